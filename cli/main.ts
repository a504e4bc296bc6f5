/** Entry of the `modelgate` command line. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`modelgate: not implemented yet (${argv.join(" ")})\n`);
  return 3;
}
