import { rmSync } from 'node:fs';
import { basename } from 'node:path';

/** Removes the run's temporary folder (test/setup/globalSetup.ts) with every n8n user folder in it. */
export default function globalTeardown(): void {
	const folder = process.env.ORDER_STATUS_TEST_TMP;
	if (folder && basename(folder).startsWith('order-status-jest-')) rmSync(folder, { recursive: true, force: true });
}
