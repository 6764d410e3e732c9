import type { RunResult } from './runWorkflow';
import { capturedLogs } from './runWorkflow';

/**
 * Everything a user or an operator could see after a run: output items (all outputs, binary metadata),
 * the run's error (message, description, serialised form) and every log line.
 */
export function visibleText(result: RunResult): string {
	const parts: string[] = [JSON.stringify(result.run.data.resultData.runData)];
	const error = result.error as (Error & { description?: string }) | undefined;
	if (error) parts.push(error.message, String(error.description ?? ''), JSON.stringify(error));
	parts.push(...capturedLogs);
	return parts.join('\n');
}

/** The secrets (at least 6 characters each) that occur in the text; a passing test expects none. */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
	return secrets.filter((secret) => secret.length >= 6 && text.includes(secret));
}
