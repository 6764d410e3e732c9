import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// n8n-core writes an encryption key under $N8N_USER_FOLDER/.n8n on first use: keep it out of $HOME.
if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'order-status-n8n-'));
}
process.env.N8N_ENCRYPTION_KEY ??= 'order-status-test-encryption-key';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
