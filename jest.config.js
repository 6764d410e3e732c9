/** @type {import('jest').Config} */
module.exports = {
	// jest's node environment; a failing test also shows the n8n log lines written while it ran.
	testEnvironment: '<rootDir>/test/setup/environment.ts',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
		// n8n's Wait node pulls in sanitize-html, which bundles ESM-only htmlparser2; n8n itself runs on Node 24
		// where require() loads ESM. jest cannot, so only that folder is transpiled to CommonJS.
		'^.+/sanitize-html/node_modules/.+\\.js$': [
			'ts-jest',
			{ tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', esModuleInterop: true }, diagnostics: false },
		],
	},
	transformIgnorePatterns: ['^(?!.*sanitize-html/node_modules/).*/node_modules/'],
	setupFiles: ['<rootDir>/test/setup/env.ts'],
	// One temporary folder per run for the n8n user folders, removed at the end.
	globalSetup: '<rootDir>/test/setup/globalSetup.ts',
	globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
	testTimeout: 60000,
	// Workflow runs start real HTTP servers; two workers suit the two-core CI machine.
	maxWorkers: 2,
};
