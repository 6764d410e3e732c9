/**
 * One logger for everything n8n logs while a test runs: n8n-workflow's LoggerProxy (what nodes and
 * WorkflowExecute use) and n8n-core's DI Logger (what its ErrorReporter and PollContext use, which would
 * otherwise print every failed node's message through winston). Every line is kept in `capturedLogs`, which
 * tests scan for secrets; none is printed, so `npm test` ends with jest's summary, not n8n's log.
 *
 * - `TEST_LOG=1 npm test` prints every line as well (jest shows them under "Console" per test file).
 * - A failing test gets the lines logged while it ran printed beside its failure (test/setup/environment.ts).
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { LoggerProxy, type Logger as WorkflowLogger } from 'n8n-workflow';

/** Every log line any node or n8n-core wrote, so tests can scan them for secrets. */
export const capturedLogs: string[] = [];

/** Where test/setup/environment.ts finds the lines of a failing test (it runs outside the test's modules). */
export const LOG_GLOBAL = '__orderStatusTestLogs';

const printLive = process.env.TEST_LOG === '1' || process.env.TEST_LOG === 'true';

function record(level: string, message: string, meta?: object): void {
	const line = `${level} ${message} ${meta ? JSON.stringify(meta) : ''}`;
	capturedLogs.push(line);
	if (printLive) console.log(line);
}

const capturingLogger = Object.fromEntries(
	(['error', 'warn', 'info', 'debug'] as const).map((level) => [
		level,
		(message: string, meta?: object) => record(level, message, meta),
	]),
) as Record<string, unknown>;
capturingLogger.scoped = () => capturingLogger;

LoggerProxy.init(capturingLogger as unknown as WorkflowLogger);
Container.set(Logger, capturingLogger as unknown as Logger);
(globalThis as Record<string, unknown>)[LOG_GLOBAL] = capturedLogs;
