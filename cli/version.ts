/** The version of modelgate that `modelgate --version` prints and exported files record. */
export const VERSION = "0.1.0";
