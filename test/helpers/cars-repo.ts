/** The examples as repositories in the GitHub simulator, and the Action's bundle. */
import path from "node:path";
import { exampleFiles as filesOf } from "../../demo/example-files.js";

const root = path.resolve(import.meta.dirname, "../..");

/** Every file of examples/<name> (specs, data, registry) by repository path. */
export const exampleFiles = (name: string) => filesOf(root, name);

/** Every file of examples/cars. */
export const carsFiles = () => exampleFiles("cars");

/** The committed Action bundle, run as a runner runs it. */
export const actionBundle = path.join(root, "dist/index.js");
