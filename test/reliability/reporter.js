/**
 * Jest reporter for `npm run test:reliability`: adds up the scenario counts the scenario files wrote
 * (test/results/reliability/fragments/*.json, see lib/ledger.ts), prints the table, writes
 * test/results/reliability/summary.json and makes the run fail when anything was lost.
 */
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const RESULTS_DIR = join(__dirname, '..', 'results', 'reliability');
const FRAGMENTS_DIR = join(RESULTS_DIR, 'fragments');

function pad(text, width, right) {
	const value = String(text);
	return right ? value.padStart(width) : value.padEnd(width);
}

/** Measured figures (times, counts, memory) beside their bounds, in node and scenario order. */
function figureTable(figures) {
	const headers = ['Node', 'Scenario', 'Figure', 'Value', 'Bound', 'Holds'];
	const body = figures.map((f) => [
		f.node,
		f.scenario,
		f.name,
		f.value,
		f.bound ?? '',
		f.holds === undefined ? '' : f.holds ? 'yes' : 'NO',
	]);
	const all = [headers, ...body];
	const widths = headers.map((_, column) => Math.max(...all.map((cells) => String(cells[column]).length)));
	const line = (cells) => '| ' + cells.map((cell, column) => pad(cell, widths[column], false)).join(' | ') + ' |';
	const rule = '|' + widths.map((width) => '-'.repeat(width + 2)).join('|') + '|';
	return [line(headers), rule, ...body.map(line)].join('\n');
}

function table(rows) {
	const headers = ['Node', 'Scenario', 'Tried', 'Correct', 'Failed cleanly', 'Lost'];
	const body = rows.map((row) => [row.node, row.scenario, row.tried, row.correct, row.failedCleanly, row.lost]);
	const totals = rows.reduce(
		(sum, row) => ['TOTAL', '', sum[2] + row.tried, sum[3] + row.correct, sum[4] + row.failedCleanly, sum[5] + row.lost],
		['TOTAL', '', 0, 0, 0, 0],
	);
	const all = [headers, ...body, totals];
	const widths = headers.map((_, column) => Math.max(...all.map((cells) => String(cells[column]).length)));
	const line = (cells) =>
		'| ' + cells.map((cell, column) => pad(cell, widths[column], column >= 2)).join(' | ') + ' |';
	const rule = '|' + widths.map((width, column) => (column >= 2 ? '-'.repeat(width + 1) + ':' : '-'.repeat(width + 2))).join('|') + '|';
	return [line(headers), rule, ...body.map(line), rule, line(totals)].join('\n');
}

/** Problems that differ only in the order they name ("PB-00001: ...") are shown once, with a count. */
function collapse(problems) {
	const groups = new Map();
	for (const problem of problems) {
		const shape = problem.replace(/^[^\s:]+: /, '');
		const group = groups.get(shape);
		if (group) group.count++;
		else groups.set(shape, { first: problem, count: 1 });
	}
	return [...groups.values()].map((group) => (group.count > 1 ? `${group.first} (and ${group.count - 1} more like it)` : group.first));
}

class ReliabilityReporter {
	constructor() {
		this.error = undefined;
	}

	onRunStart() {
		rmSync(FRAGMENTS_DIR, { recursive: true, force: true });
		mkdirSync(FRAGMENTS_DIR, { recursive: true });
		this.startedAt = Date.now();
	}

	onRunComplete(_contexts, results) {
		const rows = [];
		const notCovered = [];
		const figures = [];
		const files = existsSync(FRAGMENTS_DIR) ? readdirSync(FRAGMENTS_DIR).filter((name) => name.endsWith('.json')) : [];
		for (const file of files.sort()) {
			const fragment = JSON.parse(readFileSync(join(FRAGMENTS_DIR, file), 'utf8'));
			rows.push(...fragment.rows);
			notCovered.push(...fragment.notCovered);
			figures.push(...(fragment.figures ?? []));
		}
		// Stable: figures of one node and scenario keep the order they were measured in.
		figures.sort((a, b) => a.nodeRank - b.nodeRank || a.scenarioRank - b.scenarioRank);
		// Several files may count the same node and scenario (e.g. its secret scans): one row each.
		const merged = new Map();
		for (const row of rows) {
			const key = `${row.node}|${row.scenario}`;
			const into = merged.get(key);
			if (!into) merged.set(key, { ...row, problems: [...row.problems] });
			else {
				for (const field of ['tried', 'correct', 'failedCleanly', 'lost']) into[field] += row[field];
				into.problems.push(...row.problems);
			}
		}
		rows.length = 0;
		rows.push(...merged.values());
		rows.sort((a, b) => a.nodeRank - b.nodeRank || a.scenarioRank - b.scenarioRank);
		const lost = rows.reduce((sum, row) => sum + row.lost, 0);
		const seconds = ((Date.now() - (this.startedAt ?? Date.now())) / 1000).toFixed(1);

		const out = [];
		out.push('');
		out.push('Reliability and security scenarios (issue 9)');
		out.push('tried = orders, inputs, callbacks, runs or guarantees checked; lost = missing, duplicated, wrong or');
		out.push('false status, crash, hang past its bound, request off its route, leaked secret, broken count.');
		out.push('');
		out.push(table(rows));
		if (figures.length > 0) {
			out.push('');
			out.push('Figures (measured, beside their bounds):');
			out.push('');
			out.push(figureTable(figures));
		}
		for (const row of rows.filter((candidate) => candidate.lost > 0)) {
			out.push('');
			out.push(`LOST in ${row.node} / ${row.scenario}:`);
			for (const line of collapse(row.problems)) out.push(`  - ${line}`);
		}
		if (notCovered.length > 0) {
			out.push('');
			out.push('Not covered (TODO):');
			for (const item of notCovered) out.push(`  - ${item}`);
		}
		out.push('');
		const failedTests = results.numFailedTests + results.numRuntimeErrorTestSuites;
		if (rows.length === 0) {
			this.error = new Error('No scenario reported any count');
		} else if (lost > 0) {
			this.error = new Error(`${lost} case(s) lost`);
		} else if (failedTests > 0) {
			this.error = new Error(`${failedTests} scenario test(s) failed`);
		}
		out.push(
			this.error
				? `RESULT: FAIL (${this.error.message}) in ${seconds} s`
				: `RESULT: PASS, nothing lost, in ${seconds} s`,
		);
		out.push('');
		process.stdout.write(out.join('\n') + '\n');

		mkdirSync(RESULTS_DIR, { recursive: true });
		writeFileSync(
			join(RESULTS_DIR, 'summary.json'),
			JSON.stringify({ passed: !this.error, lost, seconds: Number(seconds), rows, notCovered, figures }, null, 2),
		);
	}

	getLastError() {
		return this.error;
	}
}

module.exports = ReliabilityReporter;
