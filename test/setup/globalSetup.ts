import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder per jest run; each test file makes its n8n user folder inside it (test/setup/env.ts) and
 * test/setup/globalTeardown.ts removes it, so a run leaves nothing in the temporary directory.
 */
export default function globalSetup(): void {
	process.env.ORDER_STATUS_TEST_TMP ??= mkdtempSync(join(tmpdir(), 'order-status-jest-'));
}
