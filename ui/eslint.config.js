import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    rules: {
      // Message text must never be rendered as HTML.
      'svelte/no-at-html-tags': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='innerHTML']",
          message: 'Never use innerHTML.',
        },
        {
          selector: "MemberExpression[property.name='outerHTML']",
          message: 'Never use outerHTML.',
        },
        {
          selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
          message: 'Never insert HTML.',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tauri-apps/api', '@tauri-apps/api/*'],
              message: 'Only src/ipc/ talks to Tauri.',
            },
          ],
        },
      ],
    },
  },
  {
    // The IPC layer and the browser-test IPC mock are the only places allowed to import Tauri.
    files: ['src/ipc/**', 'tests/browser/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Lesson text is the only HTML the console renders, and only through this component: it
    // sanitises again with DOMPurify's strict allow-list (src/lib/training/sanitize.ts). See
    // ARCHITECTURE.md, "Training in the console".
    files: ['src/components/SafeHtml.svelte'],
    rules: { 'svelte/no-at-html-tags': 'off' },
  },
);
