// ESLint as JupyterLab's extension template (copier jupyterlab/extension-template v4.6.4) sets it up, plus
// ours: the vitest specs in test/ are linted too (typed through tsconfig.test.json, which adds them to src/),
// the Node build scripts (*.mjs) get Node's globals, and the code that also runs outside JupyterLab is not
// asked for translations.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import jupyterPlugin from '@jupyter/eslint-plugin';

export default defineConfig([
  {
    ignores: ['node_modules', 'dist', 'coverage', 'lib', '**/*.js', '**/*.d.ts', '.venv', '.yarn']
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: {
      jupyter: jupyterPlugin
    }
  },
  jupyterPlugin.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      globals: {
        ...globals.browser,
        ...globals.es2015,
        ...globals.node
      },
      parserOptions: {
        project: 'tsconfig.test.json',
        sourceType: 'module'
      }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: {
            regex: '^I[A-Z]',
            match: true
          }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      '@typescript-eslint/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: false }],
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // The graph module and its two esbuild bundles (the anywidget, the offline page) also run outside
    // JupyterLab, where there is no translator: their texts, like the style table's legend, are English
    // only. The specs' strings are test data.
    files: ['src/graph/**', 'src/offline.ts', 'src/widget.ts', 'test/**'],
    rules: {
      'jupyter/no-untranslated-string': 'off'
    }
  },
  {
    // Build scripts and tool configs run in Node.
    files: ['**/*.mjs'],
    languageOptions: {
      globals: globals.node
    }
  },
  prettierRecommended
]);
