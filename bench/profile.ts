/**
 * Summarises a V8 CPU profile (`.cpuprofile`, from `--cpu-prof`; the bench writes them with BENCH_CPU_PROF_DIR)
 * over the time a node ran: from the first to the last sample with a frame of `--match` (default: the pack) on
 * the stack (a regular expression over "function url"). Prints where that time went: idle, garbage collection, and self time by owner (the pack, n8n-core,
 * n8n-workflow, the expression engine, HTTP, Node.js internals), then the top functions by self time and by
 * inclusive time.
 *
 *   node -r ts-node/register/transpile-only bench/profile.ts <file.cpuprofile> [--match regexp] [--top 25] [--slice 100] [--from ms] [--to ms] (a part of the window)
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileSummary {
	windowMs: number;
	/** Milliseconds per owner (self time), idle and GC included. */
	byOwner: Record<string, number>;
	/** The same with Node.js' own frames counted for the nearest caller that is not Node.js (who made it work). */
	byCaller: Record<string, number>;
	topSelf: Array<{ name: string; ms: number }>;
	topInclusive: Array<{ name: string; ms: number }>;
	/** Per slice of the window (`sliceMs`): milliseconds per owner. */
	timeline: Array<{ atMs: number; byOwner: Record<string, number> }>;
}

/** The pack's node at work (its execute loop), not the pack's modules being loaded. */
export const DEFAULT_MATCH = '^(collectOutcomes|executeStatusCheck|readGroup|drainWithConcurrency|worker) .*(n8n-nodes-order-status|/nodes/shared/)';

/** Who a frame belongs to, from its script URL. */
export function ownerOf(frame: CallFrame): string {
	const { url, functionName } = frame;
	if (functionName === '(idle)') return 'idle';
	if (functionName === '(garbage collector)') return 'garbage collector';
	if (functionName === '(program)') return 'program (V8/native)';
	if (url.includes('n8n-nodes-order-status') || /\/(nodes|credentials)\/[A-Za-z]+\/.*\.ts$/.test(url)) return 'the pack';
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.split('node_modules/').length > 2 ? url.slice(url.lastIndexOf('node_modules/')) : url);
	if (pkg) {
		const name = pkg[1];
		if (name === 'n8n-core') return 'n8n-core';
		if (name === 'n8n-workflow' || name === '@n8n/tournament' || name.startsWith('@n8n/expression')) return 'n8n-workflow (expressions)';
		if (name === 'axios' || name === 'follow-redirects' || name === 'form-data' || name === 'proxy-from-env') return 'axios';
		return name;
	}
	if (url.startsWith('node:') || url === '') return 'Node.js';
	return 'other';
}

function frameName(frame: CallFrame): string {
	const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '');
	return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export function summarise(profile: CpuProfile, match = DEFAULT_MATCH, top = 25, sliceMs = 100, range: [number, number] = [0, Infinity]): ProfileSummary {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const stackOf = (id: number): ProfileNode[] => {
		const stack: ProfileNode[] = [];
		for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) stack.push(byId.get(current)!);
		return stack;
	};
	// Sample times (ms from the profile's start) and whether the pack is on the stack.
	const times: number[] = [];
	let t = 0;
	for (const delta of profile.timeDeltas) times.push((t += delta) / 1000);
	const pattern = new RegExp(match);
	const matches = profile.samples.map((id) =>
		stackOf(id).some((node) => pattern.test(`${node.callFrame.functionName} ${node.callFrame.url}`)),
	);
	const first = matches.indexOf(true);
	const last = matches.lastIndexOf(true);
	const byOwner: Record<string, number> = {};
	const byCaller: Record<string, number> = {};
	const self = new Map<string, number>();
	const inclusive = new Map<string, number>();
	const timeline: ProfileSummary['timeline'] = [];
	if (first === -1) return { windowMs: 0, byOwner, byCaller, topSelf: [], topInclusive: [], timeline };
	for (let i = first; i <= last; i++) {
		const at = times[i] - times[first];
		if (at < range[0] || at >= range[1]) continue;
		const ms = (times[i + 1] ?? times[i]) - times[i];
		const stack = stackOf(profile.samples[i]);
		const leaf = stack[0].callFrame;
		const owner = ownerOf(leaf);
		byOwner[owner] = (byOwner[owner] ?? 0) + ms;
		const caller = stack.map((node) => ownerOf(node.callFrame)).find((candidate) => candidate !== 'Node.js') ?? owner;
		byCaller[caller] = (byCaller[caller] ?? 0) + ms;
		const slice = Math.floor((times[i] - times[first]) / sliceMs);
		while (timeline.length <= slice) timeline.push({ atMs: timeline.length * sliceMs, byOwner: {} });
		timeline[slice].byOwner[owner] = (timeline[slice].byOwner[owner] ?? 0) + ms;
		self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + ms);
		for (const name of new Set(stack.map((node) => frameName(node.callFrame)))) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
	}
	const sorted = (map: Map<string, number>) =>
		[...map.entries()]
			.sort((a, b) => b[1] - a[1])
			.slice(0, top)
			.map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10 }));
	return { windowMs: times[last] - times[first], byOwner, byCaller, topSelf: sorted(self), topInclusive: sorted(inclusive), timeline };
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const file = args.find((arg) => !arg.startsWith('--'));
	const option = (name: string) => {
		const index = args.indexOf(`--${name}`);
		return index >= 0 ? args[index + 1] : undefined;
	};
	if (!file) {
		console.error('usage: bench/profile.ts <file.cpuprofile> [--match text] [--top n]');
		process.exit(2);
	}
	const sliceMs = Number(option('slice') ?? 100);
	const range: [number, number] = [Number(option('from') ?? 0), Number(option('to') ?? Infinity)];
	const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, option('match'), Number(option('top') ?? 25), sliceMs, range);
	console.log(`window: ${summary.windowMs.toFixed(0)} ms (first to last sample with the match on the stack)`);
	for (const [owner, ms] of Object.entries(summary.byOwner).sort((a, b) => b[1] - a[1])) {
		console.log(`  ${owner.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  ${((100 * ms) / summary.windowMs).toFixed(1).padStart(5)}%`);
	}
	console.log('\nNode.js frames counted for their nearest caller:');
	for (const [owner, ms] of Object.entries(summary.byCaller).sort((a, b) => b[1] - a[1]).slice(0, 12)) {
		console.log(`  ${owner.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  ${((100 * ms) / summary.windowMs).toFixed(1).padStart(5)}%`);
	}
	console.log(`\nper ${sliceMs} ms: idle / expressions / the pack / GC / everything else (ms)`);
	for (const { atMs, byOwner } of summary.timeline) {
		const get = (owner: string) => byOwner[owner] ?? 0;
		const rest = Object.values(byOwner).reduce((sum, ms) => sum + ms, 0) - get('idle') - get('n8n-workflow (expressions)') - get('the pack') - get('garbage collector');
		const cells = [get('idle'), get('n8n-workflow (expressions)'), get('the pack'), get('garbage collector'), rest].map((ms) => ms.toFixed(0).padStart(4));
		console.log(`  ${String(atMs).padStart(6)}  ${cells.join(' ')}`);
	}
	console.log('\ntop self time:');
	for (const { name, ms } of summary.topSelf) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
	console.log('\ntop inclusive time:');
	for (const { name, ms } of summary.topInclusive) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
}
