/**
 * jest's node environment, plus: when a test fails, the n8n log lines written while it ran (kept quiet by
 * test/harness/testLogger.ts) are printed with the test file's console output, so a failure comes with its log.
 */
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

const LOG_GLOBAL = '__orderStatusTestLogs'; // test/harness/testLogger.ts
const MAX_LINES = 200;

export default class OrderStatusTestEnvironment extends TestEnvironment {
	private logsBefore = 0;

	private logs(): string[] {
		const logs = (this.global as Record<string, unknown>)[LOG_GLOBAL];
		return Array.isArray(logs) ? (logs as string[]) : [];
	}

	async handleTestEvent(event: Circus.Event): Promise<void> {
		if (event.name === 'test_start') this.logsBefore = this.logs().length;
		if (event.name !== 'test_done' || event.test.errors.length === 0) return;
		const lines = this.logs().slice(this.logsBefore);
		if (lines.length === 0) return;
		const shown = lines.slice(-MAX_LINES);
		const title = [...ancestors(event.test), event.test.name].join(' › ');
		this.global.console.log(
			[
				`n8n log of the failed test "${title}" (${lines.length} line${lines.length === 1 ? '' : 's'}${
					shown.length < lines.length ? `, last ${shown.length}` : ''
				}):`,
				...shown.map((line) => `  ${line}`),
			].join('\n'),
		);
	}
}

function ancestors(test: Circus.TestEntry): string[] {
	const names: string[] = [];
	for (let block: Circus.DescribeBlock | undefined = test.parent; block && block.parent; block = block.parent) {
		names.unshift(block.name);
	}
	return names;
}
