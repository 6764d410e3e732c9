/**
 * `npm run test:reliability` (issue 9): the reliability and security scenarios, run for every provider node
 * through the harness and the simulators. Kept out of the root `npm test` run: the scenario files are named
 * `*.scenario.ts`, which the root config's `**\/*.test.ts` does not match.
 */
const root = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
	rootDir: '../..',
	testEnvironment: root.testEnvironment,
	roots: ['<rootDir>/test/reliability'],
	testMatch: ['**/*.scenario.ts'],
	transform: root.transform,
	setupFiles: root.setupFiles,
	globalSetup: root.globalSetup,
	globalTeardown: root.globalTeardown,
	// Each scenario guards its own time bounds; this only stops a run that hangs for good.
	testTimeout: 120000,
	// Workflow runs start real HTTP servers; two workers suit the two-core CI machine.
	maxWorkers: 2,
	verbose: true,
	reporters: ['default', '<rootDir>/test/reliability/reporter.js'],
};
