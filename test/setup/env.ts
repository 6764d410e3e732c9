import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// n8n-core writes an encryption key under $N8N_USER_FOLDER/.n8n on first use: keep it out of $HOME. Each test
// file gets its own folder (two workers must not write one config file at once), inside the run's temporary
// folder that test/setup/globalTeardown.ts removes.
if (!process.env.N8N_USER_FOLDER) {
	const runFolder = process.env.ORDER_STATUS_TEST_TMP ?? tmpdir();
	mkdirSync(runFolder, { recursive: true });
	process.env.N8N_USER_FOLDER = mkdtempSync(join(runFolder, 'order-status-n8n-'));
}
process.env.N8N_ENCRYPTION_KEY ??= 'order-status-test-encryption-key';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
