// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'tools/', 'web/dist/', 'charts/', 'dashboards/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'bin/*.mjs', 'scripts/*.mjs', 'web/public/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // The domain stays free of transport and orchestration: core/ must not import
    // HTTP, queue or Kubernetes libraries (see core/README.md).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'express', message: 'core/ is transport-free: put HTTP in api/.' },
            { name: 'bullmq', message: 'core/ is queue-free: put jobs in workers/.' },
            { name: '@kubernetes/client-node', message: 'core/ is Kubernetes-free: put it in operator/.' },
          ],
          patterns: [
            {
              group: [
                '../api/*',
                '../../api/*',
                '../workers/*',
                '../../workers/*',
                '../operator/*',
                '../../operator/*',
              ],
              message: 'core/ must not depend on outer layers.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routers, workers and reconcilers call core, never knex (docs/architecture.md): no
    // query builder from `x.db(...)` / `db(...)`, no `x.db.transaction` or `x.db.raw`.
    files: ['api/**/*.ts', 'workers/**/*.ts', 'operator/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'knex', allowTypeImports: true, message: 'query through a store in core/.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(db|trx)$/]",
          message: 'query through a store in core/ (core/<area>/store.ts), not knex.',
        },
        {
          selector: "CallExpression[callee.type='Identifier'][callee.name=/^(db|trx)$/]",
          message: 'query through a store in core/ (core/<area>/store.ts), not knex.',
        },
        {
          selector: "MemberExpression[object.property.name='db'][property.name=/^(transaction|raw)$/]",
          message: 'transactions and raw SQL belong in core/.',
        },
      ],
    },
  },
  {
    files: ['cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.mjs', 'bin/*.mjs', 'tests/support/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // The web pages (web/, bundled by Vite): browser code, linted with the browser's globals.
    files: ['web/**/*.ts', 'web/**/*.tsx', 'web/**/*.js'],
    rules: {
      // Server types are shared with the pages as `import type` (erased by the build); a value
      // import would bundle server code, so only the dependency-free modules that must match the
      // server exactly may be imported as values (web/README.md).
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/(core|gate)/(?!pii/id-number\\.js$|orders/model\\.js$)',
              allowTypeImports: true,
              message: 'web/ takes only types from core/ and gate/ (import type), except the listed modules.',
            },
            {
              group: ['**/api/**', '**/workers/**', '**/operator/**', '**/cli/**'],
              message: 'web/ never imports server roles.',
            },
          ],
        },
      ],
    },
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        history: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        self: 'readonly',
        caches: 'readonly',
        crypto: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        requestAnimationFrame: 'readonly',
        addEventListener: 'readonly',
        removeEventListener: 'readonly',
        scrollTo: 'readonly',
        Response: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        DOMException: 'readonly',
        AbortSignal: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { URL: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly' },
    },
  },
);
