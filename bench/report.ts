/**
 * The benchmark's outputs: the table on the terminal, bench/results/latest.json, latest.md and chart.svg
 * (hand-written SVG: execution time against the provider's limit, and correct statuses, per variant and provider).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { LEARNED_RATE_MARGIN } from '../nodes/shared/providerClient';

import type { Outcome } from './evaluate';
import type { InProcessResult } from './inProcess';
import { CONFIGURED_RATE_MARGIN } from '../nodes/shared/request/rateControl';
import { CONFIGURED_RATE_TIME_FACTOR, TIME_TARGET_FACTOR, type Limit, type TargetCheck } from './limits';
import { PACK_VARIANTS, VARIANT_LABELS, VARIANTS, type Variant } from './workflows';
import { PROVIDER_LABELS, PROVIDERS, type ProviderKey, type SimulatorCounts, type Timeline } from './world';

export interface MachineInfo {
	cpus: number;
	cpuModel: string;
	memoryGB: number;
	platform: string;
	/** Node.js running the benchmark (and the in-process measurement). */
	benchNode: string;
	/** Node.js running n8n. */
	n8nNode: string;
	n8nVersion: string;
	/** 1, 5 and 15-minute load averages. */
	loadBefore: [number, number, number];
	loadAfter: [number, number, number];
}

export interface VariantResult {
	provider: ProviderKey;
	variant: Variant;
	workflowId: string;
	workflowFile: string;
	outcome: Outcome;
	counts: SimulatorCounts;
	timeline: Timeline;
	limit: Limit;
	/** n8n's run time of the node that makes the status requests. */
	requestNodeSeconds?: number;
	/**
	 * That node's run split by the simulator's clock: from its start to the first request, from the first to the
	 * last request, from the last request to its end (seconds; same machine, same clock).
	 */
	phases?: { beforeFirstRequest: number; requests: number; afterLastRequest: number };
	/** Wall time of the whole `n8n execute` process (start-up included). */
	cliSeconds: number;
	exitCode: number;
	/** (A) only. */
	targets: TargetCheck[];
}

/** n8n's own cost of one per-item expression for N items (bench/workflows/calibration-expression.json). */
export interface Calibration {
	items: number;
	seconds?: number;
	engine: string;
	error?: string;
}

export interface BenchReport {
	date: string;
	durationSeconds: number;
	settings: {
		orders: number;
		latencyMs: number;
		ratePerSecond: number;
		batching: { batchSize: number; batchInterval: number };
		inProcessItems: number;
	};
	machine: MachineInfo;
	results: VariantResult[];
	inProcess?: InProcessResult;
	inProcessError?: string;
	calibration?: Calibration;
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '?');

function find(report: BenchReport, provider: ProviderKey, variant: Variant): VariantResult | undefined {
	return report.results.find((result) => result.provider === provider && result.variant === variant);
}

function providersOf(report: BenchReport): ProviderKey[] {
	return PROVIDERS.filter((provider) => report.results.some((result) => result.provider === provider));
}

// ---------------------------------------------------------------- rows and comparisons

interface Row {
	provider: string;
	variant: string;
	time: string;
	limit: string;
	ratio: string;
	correct: string;
	wrong: string;
	failed: string;
	requests: string;
	token: string;
	limited: string;
	concurrency: string;
	note: string;
}

const COLUMNS: Array<[keyof Row, string]> = [
	['provider', 'Provider'],
	['variant', 'Variant'],
	['time', 'Time s'],
	['limit', 'Limit s'],
	['ratio', '× limit'],
	['correct', 'Correct'],
	['wrong', 'Wrong'],
	['failed', 'Failed'],
	['requests', 'Requests'],
	['token', 'Token req.'],
	['limited', '429s'],
	['concurrency', 'Concurrency'],
	['note', 'Note'],
];

function rowOf(result: VariantResult, orders: number): Row {
	const { outcome, counts, limit } = result;
	const notes: string[] = [];
	if (outcome.error) notes.push(`workflow error: ${outcome.error.replace(/\s+/g, ' ').slice(0, 70)}`);
	const apiRequests = counts.requests - counts.tokenRequests;
	if (result.variant === 'C' && apiRequests > orders * 1.5) notes.push(`request node ran ~${Math.round(apiRequests / orders)}× (Retry On Fail)`);
	if (result.provider === 'ppl' && PACK_VARIANTS.includes(result.variant)) {
		notes.push(`${apiRequests} GET /order (floor ${limit.requestFloor}); smallest gap ${counts.minGapMs ?? '?'} ms`);
	}
	if (result.provider === 'ppl' && (counts.gapsUnder40ms ?? 0) > 0) notes.push(`${counts.gapsUnder40ms} gaps < 40 ms`);
	return {
		provider: PROVIDER_LABELS[result.provider],
		variant: result.variant,
		time: fixed(outcome.seconds),
		limit: fixed(limit.seconds),
		ratio: fixed(outcome.seconds / limit.seconds),
		correct: `${outcome.correct}/${orders}`,
		wrong: String(outcome.wrong),
		failed: String(outcome.failed),
		requests: String(counts.requests),
		token: String(counts.tokenRequests),
		limited: String(counts.rateLimited),
		concurrency: String(limit.concurrency),
		note: notes.join('; '),
	};
}

/** Every place where (B) or (C) did better than the pack's node (A, and AL with the limit set), in plain words. */
export function comparisons(report: BenchReport): string[] {
	const lines: string[] = [];
	for (const provider of providersOf(report)) {
		for (const base of PACK_VARIANTS) {
			const a = find(report, provider, base);
			if (!a) continue;
			for (const variant of ['B', 'C'] as const) {
				const other = find(report, provider, variant);
				if (!other) continue;
				const wins: string[] = [];
				const finished = !other.outcome.error;
				const lessCorrect = a.outcome.correct - other.outcome.correct;
				const caveat = lessCorrect > 0 ? ` — but with ${lessCorrect} fewer correct statuses` : '';
				if (other.outcome.correct > a.outcome.correct) wins.push(`more correct statuses (${other.outcome.correct} vs ${a.outcome.correct})`);
				if (other.outcome.failed < a.outcome.failed) wins.push(`fewer orders without a status (${other.outcome.failed} vs ${a.outcome.failed})`);
				if (finished && other.outcome.seconds < a.outcome.seconds) {
					wins.push(`faster (${fixed(other.outcome.seconds)} s vs ${fixed(a.outcome.seconds)} s)${caveat}`);
				}
				if (finished && other.counts.requests < a.counts.requests) {
					wins.push(`fewer requests (${other.counts.requests} vs ${a.counts.requests})${caveat}`);
				}
				if (finished && other.counts.rateLimited < a.counts.rateLimited) {
					wins.push(`fewer 429s (${other.counts.rateLimited} vs ${a.counts.rateLimited})${caveat}`);
				}
				if (wins.length > 0) lines.push(`${variant} beat ${base} on ${PROVIDER_LABELS[provider]}: ${wins.join('; ')}.`);
			}
		}
	}
	if (lines.length === 0) {
		lines.push('Neither B nor C beat A or AL anywhere (time, correct statuses, orders without a status, requests, 429s).');
	}
	return lines;
}

/** When the 429s came, in bursts, and how busy the second before each burst was (the first five bursts). */
function rateLimitBursts(timeline: Timeline): string {
	const bursts = timeline.rateLimitBursts ?? [];
	if (bursts.length === 0) return '';
	const shown = bursts
		.slice(0, 5)
		.map((burst) => `${fixed(burst.atSeconds)} s (${burst.count}; ${burst.arrivedInSecondBefore} requests arrived in the second before)`)
		.join(', ');
	return `; 429s at ${shown}${bursts.length > 5 ? ` and ${bursts.length - 5} more bursts` : ''}`;
}

/** Why each run took what it took, read off the counters (rules for the patterns this benchmark shows). */
export function explanations(report: BenchReport): string[] {
	const { settings } = report;
	const lines: string[] = [];
	for (const result of report.results) {
		const { outcome, counts, timeline, phases, provider, variant } = result;
		const label = `${variant} ${PROVIDER_LABELS[provider]}`;
		const apiRequests = counts.requests - counts.tokenRequests;
		if (variant === 'A' && counts.rateLimited > 0) {
			const fullSpeed = Math.round((result.limit.concurrency * 1000) / settings.latencyMs);
			lines.push(
				`${label}: the first requests went out at full speed (Max Concurrency ${result.limit.concurrency} at ${settings.latencyMs} ms latency: up to ${fullSpeed} requests/s) ` +
					`until the provider answered 429 (${counts.rateLimited} answers in all); Retry-After paused every request of the execution ` +
					`(${timeline.idleGaps} ${timeline.idleGaps === 1 ? 'pause' : 'pauses'}, ${fixed(timeline.idleSeconds, 1)} s without a request), and from then on the node paced itself ` +
					`to the rate the provider had accepted in the second before the 429 (counted by the answers it gave), less ${Math.round((LEARNED_RATE_MARGIN - 1) * 100)}%: the last ${timeline.steadyRequests} requests arrived at ${fixed(timeline.steadyRate, 1)}/s, at most ${timeline.steadyPeakPerSecond} in any one second ` +
					`(the limit is ${settings.ratePerSecond}/s${counts.tokenRequests > 0 ? '; the node counts the token request n8n made inside its first request as one of that second\'s' : ''}).` +
					(phases
						? ` The node reads each item's parameters as a request slot frees up, so n8n's expression time (${report.calibration?.seconds !== undefined ? `${fixed(report.calibration.seconds)} s for ${settings.orders} items in the calibration workflow` : 'about a millisecond per item'}) ` +
							`overlaps the requests: ${fixed(phases.beforeFirstRequest)} s before the first request.`
						: ''),
			);
		}
		if (variant === 'AL' && counts.rateLimited === 0 && provider !== 'ppl') {
			lines.push(
				`${label}: Max Requests per Second = ${settings.ratePerSecond}: the node paced its requests from the first one, slots 1000 / ${settings.ratePerSecond} × ${CONFIGURED_RATE_MARGIN} ms apart, ` +
					`and the provider refused none: ${timeline.steadyRequests} requests arrived at ${fixed(timeline.steadyRate, 1)}/s, at most ${timeline.steadyPeakPerSecond} in any one second (the limit is ${settings.ratePerSecond}/s).`,
			);
		}
		if (PACK_VARIANTS.includes(variant) && provider === 'ppl' && phases) {
			lines.push(
				`${label}: ${fixed(phases.beforeFirstRequest)} s before the first request (reading the first group's 50 items), then ${fixed(phases.requests)} s for the token request and the ${apiRequests} grouped requests ` +
					`(starts at least 50 ms apart: PPL's 40 ms plus a 10 ms margin; the smallest gap PPL saw was ${counts.minGapMs ?? '?'} ms), while the node read the next groups' items: n8n evaluates the Order ID expression ${settings.orders} times` +
					`${report.calibration?.seconds !== undefined ? ` (${fixed(report.calibration.seconds)} s in the calibration workflow)` : ''}; reading, n8n's work on each request and mapping share one thread.`,
			);
		}
		const floor = report.calibration?.seconds;
		if (PACK_VARIANTS.includes(variant) && floor !== undefined && floor > result.limit.seconds) {
			lines.push(
				`${label}: here n8n's floor (${fixed(floor)} s to evaluate one expression per item for ${settings.orders} items, the calibration workflow) is above the provider's limit (${fixed(result.limit.seconds)} s), ` +
					`so the time target is ${TIME_TARGET_FACTOR} × the floor = ${fixed(TIME_TARGET_FACTOR * floor)} s: ${variant} took ${fixed(outcome.seconds)} s, ${fixed(outcome.seconds - floor)} s beyond the floor (${fixed(outcome.seconds / floor)}×).`,
			);
		}
		if (variant === 'B' && outcome.error) {
			lines.push(
				`${label}: the HTTP Request node sends every item's request at once (no batching by default: up to ${counts.maxConcurrent} in flight); ` +
					`${counts.rateLimited} of ${apiRequests} were refused with 429 and the first error stopped the workflow (default "On Error: Stop Workflow"), so no order got a status.`,
			);
		}
		if (variant === 'C' && apiRequests >= 1.5 * settings.orders) {
			const runs = Math.round(apiRequests / settings.orders);
			lines.push(
				counts.rateLimited === 0
					? `${label}: no 429, yet the HTTP Request node ran ${runs} times: n8n's "Retry On Fail" treats a node as failed when its first output item has an \`error\` field that is not undefined, null or false (n8n-core WorkflowExecute), and Altcraft's successful answer is \`{ "error": 0, … }\`; every try "fails", so all ${settings.orders} requests are sent ${runs} times.`
					: `${label}: ${counts.rateLimited} request(s) got 429 despite the batching (the limit counts a sliding second; a batch's answers can fall into the previous batch's second), the node failed, and "Retry On Fail" ran the whole node again: ${runs} × ${settings.orders} requests.`,
			);
		}
		if (outcome.wrong > 0) {
			const values = Object.entries(outcome.wrongByRaw)
				.map(([raw, count]) => `${raw} (${count})`)
				.join(', ');
			lines.push(`${label}: ${outcome.wrong} wrong statuses, from the provider values the Code node's \`switch\` does not know: ${values}.`);
		}
	}
	return lines;
}

function targetLines(report: BenchReport): string[] {
	const lines: string[] = [];
	for (const result of report.results.filter((candidate) => PACK_VARIANTS.includes(candidate.variant))) {
		for (const target of result.targets) {
			lines.push(`${target.pass ? 'PASS' : 'MISS'}  ${result.variant} ${PROVIDER_LABELS[result.provider]}: ${target.name} — ${target.detail}`);
		}
	}
	return lines;
}

function calibrationLine(report: BenchReport): string {
	const calibration = report.calibration;
	if (!calibration) return '';
	if (calibration.seconds === undefined) return `n8n calibration failed: ${calibration.error ?? ''}`;
	return (
		`n8n itself needs ${calibration.seconds.toFixed(2)} s to evaluate one per-item expression ({{ $json.orderId }}) for ${calibration.items} items ` +
		`(expression engine: ${calibration.engine}); every variant evaluates at least that (the order id), on top of what the provider allows.`
	);
}

function inProcessLine(report: BenchReport): string {
	const result = report.inProcess;
	if (!result) return `in-process measurement failed: ${report.inProcessError ?? 'not run'}`;
	return (
		`Altcraft node in-process (n8n-core ${'WorkflowExecute'}, Node ${result.nodeVersion}, zero latency, Max Concurrency ${result.maxConcurrency}): ` +
		`${result.items} items in ${fixed(result.seconds)} s = ${result.itemsPerSecond} items/s, ${result.cpuMsPerItem} ms CPU per item; ` +
		`heap ${result.heapBaselineMB} → peak ${result.heapPeakMB} MB (+${result.heapDeltaMB} MB), RSS +${result.rssDeltaMB} MB (peak ${result.rssPeakMB} MB); ` +
		`${result.correct}/${result.items} correct`
	);
}

/** The CPU comparison of the in-process measurement: the pack's node beside n8n's HTTP Request node and n8n's floor. */
export function cpuComparisonLines(report: BenchReport): string[] {
	const comparison = report.inProcess?.comparison;
	if (!comparison) return [];
	const { pack, httpRequest, expression } = comparison;
	const perItem = (entry: typeof pack) =>
		`${entry.cpuMsPerItem} ms (rounds ${entry.rounds.join(', ')}; ${entry.itemsPerSecond} items/s; ${entry.correct}/${entry.items} right)`;
	return [
		`CPU per item, in one process, ${pack.items} items per round, the median of ${pack.rounds.length} rounds taken in turns (same requests to the same simulator, no latency, no limit):`,
		`  ${pack.label}: ${perItem(pack)}`,
		`  ${httpRequest.label}: ${perItem(httpRequest)}`,
		`  ${expression.label}: ${perItem(expression)}`,
		`  pack / HTTP Request = ${comparison.ratio} (target ≤ 1.1: ${comparison.ratio <= 1.1 ? 'PASS' : 'MISS'}); beyond n8n's floor: the pack ${comparison.packBeyondFloor} ms, HTTP Request ${comparison.httpRequestBeyondFloor} ms per item`,
	];
}

export function terminalTable(report: BenchReport): string {
	const rows = report.results.map((result) => rowOf(result, report.settings.orders));
	const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
	const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index])).join('  ').trimEnd();
	const { settings, machine } = report;
	const out = [
		'',
		`=== Results: ${settings.orders} orders per provider, ${settings.latencyMs} ms latency, ${settings.ratePerSecond} requests/s limit (429 + Retry-After), n8n ${machine.n8nVersion} on Node ${machine.n8nNode}`,
		`    ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB; load average before ${machine.loadBefore.join(' ')}, after ${machine.loadAfter.join(' ')}; ${report.date}`,
		'',
		line(COLUMNS.map(([, title]) => title)),
		line(widths.map((width) => '-'.repeat(width))),
		...rows.map((row) => line(COLUMNS.map(([key]) => row[key]))),
		'',
		'Limit = max(R / rate, R × latency / concurrency) with R = N (Altcraft, Pitney Bowes) or N / 50 (PPL, plus its 40 ms pacing: (R − 1) × 40 ms).',
		`Variants: ${VARIANTS.map((variant) => `${variant} = ${VARIANT_LABELS[variant]}`).join('; ')}.`,
		'',
		`Targets of A and AL (a benchmark: reported, never failing the run; time against max(limit, n8n's floor of this run)):`,
		...targetLines(report).map((text) => `  ${text}`),
		'',
		'B/C against A and AL:',
		...comparisons(report).map((text) => `  ${text}`),
		'',
		calibrationLine(report),
		inProcessLine(report),
		...cpuComparisonLines(report),
	];
	return out.join('\n');
}

// ---------------------------------------------------------------- markdown

function markdown(report: BenchReport): string {
	const { settings, machine } = report;
	const rows = report.results.map((result) => rowOf(result, settings.orders));
	const table = [
		`| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
		`| ${COLUMNS.map(([key]) => (['provider', 'variant', 'note'].includes(key) ? '---' : '---:')).join(' | ')} |`,
		...rows.map((row) => `| ${COLUMNS.map(([key]) => row[key].replace(/\|/g, '\\|')).join(' | ')} |`),
	];
	const details = report.results.map((result) => {
		const nodes = Object.entries(result.outcome.nodes)
			.map(([name, run]) => `${name} ${fixed(run.ms / 1000)} s${run.error ? ` (error: ${run.error.slice(0, 80)})` : ''}`)
			.join(', ');
		const retryAfter = Object.entries(result.timeline.retryAfter)
			.map(([value, count]) => `${count} × ${value} s`)
			.join(', ');
		return (
			`- **${result.variant} ${PROVIDER_LABELS[result.provider]}** (\`${result.workflowFile}\`): ${nodes}. ` +
			`Requests arrived over ${fixed(result.timeline.spanSeconds)} s with ${result.timeline.idleGaps} idle gaps ≥ 250 ms (${fixed(result.timeline.idleSeconds)} s in total)` +
			`${retryAfter ? `; Retry-After sent: ${retryAfter}` : ''}` +
			`${rateLimitBursts(result.timeline)}; at most ${result.counts.maxConcurrent} requests in flight; ` +
			(result.phases
				? `the request node spent ${fixed(result.phases.beforeFirstRequest)} s before its first request, ${fixed(result.phases.requests)} s from first to last request and ${fixed(result.phases.afterLastRequest)} s after the last; `
				: '') +
			`\`n8n execute\` took ${fixed(result.cliSeconds)} s including start-up.` +
			(result.outcome.wrongExamples.length ? ` Wrong, e.g.: ${result.outcome.wrongExamples.join('; ')}.` : '')
		);
	});
	return [
		'# Benchmark: the pack against what a user would build instead',
		'',
		`Measured ${report.date} with \`npm run bench\` (${Math.round(report.durationSeconds)} s in all), in the real n8n of the end-to-end suite.`,
		'',
		`- **Machine**: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB RAM, ${machine.platform}`,
		`- **Load average** (1, 5, 15 min): ${machine.loadBefore.join(', ')} before the run, ${machine.loadAfter.join(', ')} after`,
		`- **n8n** ${machine.n8nVersion} on Node ${machine.n8nNode} (CLI \`n8n execute --id --rawOutput\`; time = n8n's startedAt → stoppedAt); benchmark and in-process measurement on Node ${machine.benchNode}`,
		`- **Workload**: ${settings.orders} orders per provider; the provider simulators (test/simulators) answer after ${settings.latencyMs} ms and allow ${settings.ratePerSecond} requests per second (sliding 1 s window; above it 429 with Retry-After)`,
		'',
		'## Variants',
		'',
		`- **A**: ${VARIANT_LABELS.A}: the pack's node, every option at its default (Max Concurrency 5, Max Retries 3).`,
		`- **AL**: A with the option Max Requests per Second set to the provider's limit (${settings.ratePerSecond}), as a user who knows the limit sets it.`,
		"- **B**: what a user builds first without the pack: n8n's HTTP Request node with default settings (Altcraft: the token as a literal in the JSON body; Pitney Bowes: a token request HTTP Request node first, with a Basic Auth credential; PPL: a token request HTTP Request node first, client id and secret in the form body) and a Code node with a small `switch` over the provider's values. One request per order, PPL included.",
		`- **C**: B tuned as a careful user would: HTTP Request "Batching" of ${settings.batching.batchSize} items per ${settings.batching.batchInterval} ms (the provider's rate) and the node setting "Retry On Fail" (3 tries, 1000 ms apart).`,
		'',
		'All variants start with Manual Trigger → Edit Fields (the order ids) → Split Out; the workflows are in `bench/workflows/`.',
		'',
		'## Results',
		'',
		...table,
		'',
		`**Limit** = max(R / rate, R × latency / concurrency), the fastest the provider allows: R = N requests for Altcraft and Pitney Bowes, R = N / 50 for PPL (50 ids per \`GET /order\`), plus for PPL its documented 40 ms pacing, (R − 1) × 40 ms. Concurrency is what the variant effectively runs: 5 for A, every item at once for B, the batch size for C. A's time target is ${TIME_TARGET_FACTOR} × max(limit, n8n's floor), the floor being n8n's own time for one expression per item in this run (the calibration below); AL's ${CONFIGURED_RATE_TIME_FACTOR} × the limit where the rate limit binds, with no 429. **Correct** = orders whose normalised status equals the one the pack's status tables give for the simulator's data (the same truth for every variant); **Failed** = orders without any status. **Requests**, **Token req.** and **429s** are counted by the simulator.`,
		'',
		'### Targets of A and AL',
		'',
		...targetLines(report).map((text) => `- ${text}`),
		'',
		'### Did B or C beat A or AL?',
		'',
		...comparisons(report).map((text) => `- ${text}`),
		'',
		'### Why',
		'',
		...explanations(report).map((text) => `- ${text}`),
		'',
		'### Per run',
		'',
		...details,
		'',
		...(report.calibration ? [`**n8n's own floor.** ${calibrationLine(report)}`, ''] : []),
		'## The node alone (in-process)',
		'',
		report.inProcess
			? `The Altcraft Market node run through n8n-core's \`WorkflowExecute\` (test/harness/runWorkflow.ts, no real n8n), against the simulator in another process at zero latency and without a rate limit, ${report.inProcess.items} items after a ${report.inProcess.warmupItems}-item warm-up: **${report.inProcess.itemsPerSecond} items/s**, **${report.inProcess.cpuMsPerItem} ms CPU per item** (n8n's parameter expressions and HTTP helper included), heap ${report.inProcess.heapBaselineMB} MB → peak ${report.inProcess.heapPeakMB} MB (**+${report.inProcess.heapDeltaMB} MB** for ${report.inProcess.items} items with the raw responses kept), RSS +${report.inProcess.rssDeltaMB} MB (peak ${report.inProcess.rssPeakMB} MB).`
			: `Failed: ${report.inProcessError ?? 'not run'}`,
		'',
		...(report.inProcess?.comparison
			? [
					`**Beside n8n's HTTP Request node.** ${cpuComparisonLines(report)[0]}`,
					'',
					'| Workflow | CPU per item (median) | rounds | items/s | right |',
					'| --- | ---: | --- | ---: | ---: |',
					...(['pack', 'httpRequest', 'expression'] as const).map((key) => {
						const entry = report.inProcess!.comparison![key];
						return `| ${entry.label} | ${entry.cpuMsPerItem} ms | ${entry.rounds.join(', ')} | ${entry.itemsPerSecond} | ${entry.correct}/${entry.items} |`;
					}),
					'',
					`The pack's node needs **${report.inProcess.comparison.ratio}×** the HTTP Request node's CPU per item (target ≤ 1.1), although it also validates each id, maps the status and builds the status item; beyond n8n's floor (one expression per item) that is ${report.inProcess.comparison.packBeyondFloor} ms against ${report.inProcess.comparison.httpRequestBeyondFloor} ms.`,
					'',
				]
			: []),
		'![Time and correct statuses per variant](chart.svg)',
		'',
	].join('\n');
}

// ---------------------------------------------------------------- SVG chart

const COLORS: Record<Variant, string> = { A: '#0f766e', AL: '#2563eb', B: '#9ca3af', C: '#d97706' };

function escapeXml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceMax(value: number): number {
	if (!(value > 0)) return 1;
	const power = 10 ** Math.floor(Math.log10(value));
	for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
	return 10 * power;
}

function panel(
	report: BenchReport,
	options: { x: number; y: number; width: number; height: number; title: string; max: number; ticks: number[]; unit: string },
	value: (result: VariantResult) => number,
	label: (result: VariantResult) => string,
	marker?: (result: VariantResult) => number | undefined,
): string[] {
	const { x, y, width, height, max } = options;
	const parts: string[] = [];
	const plotLeft = x + 44;
	const plotWidth = width - 52;
	const plotTop = y + 28;
	const plotHeight = height - 70;
	const scale = (v: number) => plotTop + plotHeight - (Math.min(v, max) / max) * plotHeight;
	parts.push(`<text x="${x}" y="${y + 12}" class="title">${escapeXml(options.title)}</text>`);
	for (const tick of options.ticks) {
		const ty = scale(tick);
		parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${ty}" y2="${ty}" class="grid"/>`);
		parts.push(`<text x="${plotLeft - 6}" y="${ty + 4}" class="axis" text-anchor="end">${tick}${options.unit}</text>`);
	}
	const providers = providersOf(report);
	const groupWidth = plotWidth / providers.length;
	const barWidth = Math.min(34, (groupWidth - 24) / VARIANTS.length);
	providers.forEach((provider, groupIndex) => {
		const groupX = plotLeft + groupIndex * groupWidth + (groupWidth - barWidth * VARIANTS.length - 8) / 2;
		VARIANTS.forEach((variant, index) => {
			const result = find(report, provider, variant);
			if (!result) return;
			const bx = groupX + index * (barWidth + 4);
			const v = value(result);
			const finite = Number.isFinite(v);
			const top = finite ? scale(v) : scale(0);
			const failed = Boolean(result.outcome.error);
			parts.push(
				`<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(plotTop + plotHeight - top).toFixed(1)}" fill="${COLORS[variant]}"${failed ? ' fill-opacity="0.35" stroke="#b91c1c" stroke-dasharray="3 2"' : ''}><title>${escapeXml(`${variant} ${PROVIDER_LABELS[provider]}: ${label(result)}${failed ? ' (workflow error)' : ''}`)}</title></rect>`,
			);
			parts.push(`<text x="${(bx + barWidth / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" class="value" text-anchor="middle">${escapeXml(failed ? `${label(result)} ✗` : label(result))}</text>`);
			parts.push(`<text x="${(bx + barWidth / 2).toFixed(1)}" y="${plotTop + plotHeight + 13}" class="axis" text-anchor="middle">${variant}</text>`);
			const mark = marker?.(result);
			if (mark !== undefined && Number.isFinite(mark)) {
				const my = scale(mark);
				parts.push(`<line x1="${(bx - 2).toFixed(1)}" x2="${(bx + barWidth + 2).toFixed(1)}" y1="${my.toFixed(1)}" y2="${my.toFixed(1)}" class="limit"/>`);
			}
		});
		parts.push(
			`<text x="${(plotLeft + groupIndex * groupWidth + groupWidth / 2).toFixed(1)}" y="${plotTop + plotHeight + 28}" class="group" text-anchor="middle">${escapeXml(PROVIDER_LABELS[provider])}</text>`,
		);
	});
	parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${plotTop + plotHeight}" y2="${plotTop + plotHeight}" class="baseline"/>`);
	return parts;
}

export function chartSvg(report: BenchReport): string {
	const width = 980;
	const height = 430;
	const { settings, machine } = report;
	const times = report.results.flatMap((result) => [result.outcome.seconds, result.limit.seconds]).filter(Number.isFinite);
	const maxTime = niceMax(Math.max(1, ...times) * 1.08);
	const timeTicks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => Math.round(maxTime * fraction * 100) / 100);
	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
		'<style>.title{font-size:14px;font-weight:600;fill:#111827}.axis{font-size:11px;fill:#4b5563}.group{font-size:12px;fill:#111827}.value{font-size:10.5px;fill:#111827}.note{font-size:11px;fill:#4b5563}.grid{stroke:#e5e7eb;stroke-width:1}.baseline{stroke:#6b7280;stroke-width:1}.limit{stroke:#dc2626;stroke-width:2;stroke-dasharray:4 2}</style>',
		`<rect width="${width}" height="${height}" fill="#ffffff"/>`,
		`<text x="16" y="24" class="title" style="font-size:16px">${escapeXml(`${settings.orders} orders per provider in n8n ${machine.n8nVersion}: ${settings.latencyMs} ms latency, ${settings.ratePerSecond} requests/s rate limit`)}</text>`,
		...panel(
			report,
			{ x: 16, y: 44, width: 470, height: 330, title: 'Execution time (s), red: the limit the provider allows', max: maxTime, ticks: timeTicks, unit: '' },
			(result) => result.outcome.seconds,
			(result) => (Number.isFinite(result.outcome.seconds) ? result.outcome.seconds.toFixed(result.outcome.seconds < 10 ? 1 : 0) : '?'),
			(result) => result.limit.seconds,
		),
		...panel(
			report,
			{ x: 500, y: 44, width: 470, height: 330, title: 'Correct normalised statuses (%)', max: 100, ticks: [0, 25, 50, 75, 100], unit: '%' },
			(result) => (100 * result.outcome.correct) / settings.orders,
			(result) => `${Math.round((100 * result.outcome.correct) / settings.orders)}`,
		),
	];
	const legendY = height - 30;
	let legendX = 16;
	for (const variant of VARIANTS) {
		parts.push(`<rect x="${legendX}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[variant]}"/>`);
		const text = `${variant}: ${VARIANT_LABELS[variant]}`;
		parts.push(`<text x="${legendX + 17}" y="${legendY}" class="note">${escapeXml(text)}</text>`);
		legendX += 24 + text.length * 6.1;
	}
	parts.push(
		`<text x="16" y="${height - 10}" class="note">${escapeXml(`✗ = workflow stopped on an error. Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, load average ${machine.loadBefore[0]} before; npm run bench (bench/results/latest.md)`)}</text>`,
	);
	parts.push('</svg>');
	return `${parts.join('\n')}\n`;
}

/** Prints the table and writes latest.json, latest.md and chart.svg; returns the files written. */
export function writeReports(report: BenchReport, directory: string): string[] {
	console.log(terminalTable(report));
	mkdirSync(directory, { recursive: true });
	const files = {
		json: path.join(directory, 'latest.json'),
		md: path.join(directory, 'latest.md'),
		svg: path.join(directory, 'chart.svg'),
	};
	const summary = {
		...report,
		targetFactor: TIME_TARGET_FACTOR,
		comparisons: comparisons(report),
	};
	writeFileSync(files.json, `${JSON.stringify(summary, null, 2)}\n`);
	writeFileSync(files.md, markdown(report));
	writeFileSync(files.svg, chartSvg(report));
	return Object.values(files);
}
