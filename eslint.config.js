// ESLint flat config: typescript-eslint's strict and stylistic type-checked rule sets over every
// TypeScript file the tsconfig covers; plain JavaScript (scripts, this file) gets the rules that
// need no type information. Prettier owns the layout (eslint-config-prettier, last).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated or copied from elsewhere: synth output, `cdk8s import` classes, upstream schemas and CRDs, test fixtures.
  globalIgnores(['dist/', 'imports/', 'schemas/kubernetes/', 'schemas/crds/', 'crds/', 'test/fixtures/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // noUncheckedIndexedAccess types every `m[1]`, `xs[0]`, `map.get(k)` as `T | undefined`; `!` after the
      // length/match/has check is the escape it expects, and nearly all findings were that (false positives here).
      // no-unnecessary-type-assertion still reports a `!` on a value that cannot be undefined.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Counts, indexes and ports in messages and paths are meant to print as numbers; String(n) adds nothing.
      // Everything else (undefined, objects, unions with them) is still reported.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `xs.forEach((x) => visit(x))` and `return report(...)` in a void function are not confusing; the rule
      // still reports a void value used as an expression (assigned, passed, combined).
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // `const { sops: _meta, ...doc } = x` is how an object minus some keys is written; the named key
      // exists to be left out of the rest. Every other unused variable is still reported.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests walk the parsed YAML/JSON of the synthesized output and of API stubs, whose shape is what
    // they assert: a wrong path fails the assertion at run time, so typing every step of it would
    // only restate the expectation. Everything else (floating promises, unused values, conditions
    // that are always true, …) is still reported in tests; src/ keeps the whole rule set.
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    // A CommonJS file: require() is how it loads modules (scripts/import-k8s.cjs reaches into cdk8s-cli's internals).
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
