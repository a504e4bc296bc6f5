// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

const githubPackages = {
  patterns: [
    {
      group: ["@actions/*", "@octokit/*", "octokit", "probot", "probot/*"],
      message:
        "src/ is the engine: it never imports a GitHub package. Pass what you need in from an adapter.",
    },
    {
      group: ["**/action/**", "**/app/**", "**/cli/**", "../../serve/**"],
      message: "src/ never imports an adapter.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["build/", "dist/", "node_modules/", "coverage/", "**/*.d.ts"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-regex-spaces": "off",
    },
  },
  { files: ["src/**/*.ts"], rules: { "no-restricted-imports": ["error", githubPackages] } },
  {
    files: ["action/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/app/**", "**/cli/**"], message: "Adapters never import each other." }] },
      ],
    },
  },
  {
    files: ["app/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/action/**", "**/cli/**"], message: "Adapters never import each other." }],
        },
      ],
    },
  },
  {
    files: ["cli/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/action/**", "**/app/**"], message: "Adapters never import each other." }],
        },
      ],
    },
  },
  {
    files: ["serve/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/action/**", "**/app/**", "**/cli/**"],
              message: "Adapters never import each other.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
