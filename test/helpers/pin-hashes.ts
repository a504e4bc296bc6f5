/**
 * Pins of part files computed as a user computes them, independently of modelgate: DVC's folder
 * md5 by Python (as DVC hashes a folder), and the documented `sha256sum` one-liner by bash.
 */
import { execFileSync } from "node:child_process";

/**
 * DVC's md5 of a folder, by Python: os.walk, md5 of each file (with "dos2unix", DVC 2's: a text
 * file's CRLF read as LF), json.dumps(sort_keys), md5.
 */
const DVC_DIR_MD5 = `
import hashlib, json, os, sys
root, dos2unix = sys.argv[1], sys.argv[2] == "dos2unix"
TEXT = bytes(range(32, 127)) + b"\\n\\r\\t\\f\\b"
def istext(block):
    return not block or (b"\\x00" not in block and len(block.translate(None, TEXT)) / len(block) <= 0.3)
entries = []
for dirpath, dirnames, filenames in os.walk(root):
    for f in filenames:
        p = os.path.join(dirpath, f)
        with open(p, "rb") as fh:
            data = fh.read()
        if dos2unix and istext(data[:512]):
            data = data.replace(b"\\r\\n", b"\\n")
        entries.append({"md5": hashlib.md5(data).hexdigest(), "relpath": os.path.relpath(p, root).replace(os.sep, "/")})
entries.sort(key=lambda e: e["relpath"])
print(hashlib.md5(json.dumps(entries, sort_keys=True).encode("utf-8")).hexdigest())
`;

/** Python is a requirement of the tests that call this: without /usr/bin/python3 they fail, they do not skip. */
export function pythonDirMd5(folder: string, dos2unix = false): string {
  const mode = dos2unix ? "dos2unix" : "md5";
  return execFileSync("/usr/bin/python3", ["-c", DVC_DIR_MD5, folder, mode], { encoding: "utf8" }).trim();
}

/** The documented one-liner, `export LC_ALL=C && sha256sum <glob> | sha256sum`, run in `cwd`. */
export function sumOfSha256sums(cwd: string, glob: string): string {
  return execFileSync("bash", ["-c", `export LC_ALL=C && sha256sum ${glob} | sha256sum`], {
    cwd,
    encoding: "utf8",
  }).split(" ")[0]!;
}
