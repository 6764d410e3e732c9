/**
 * The scenario ledger: every scenario counts what it tried and what became of it (correct, failed cleanly,
 * lost), per node. Each scenario file writes its counts to a fragment under test/results/reliability/; the
 * reporter (../reporter.js) adds them up, prints the table and fails the run on any loss.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const RESULTS_DIR = join(__dirname, '..', '..', 'results', 'reliability');
export const FRAGMENTS_DIR = join(RESULTS_DIR, 'fragments');

/** Row order of the table. */
export const NODE_ORDER = [
	'Altcraft Market',
	'PPL CPL · Get Status',
	'PPL CPL · Get Batch Status',
	'Pitney Bowes Fulfillment',
	'Sender',
	'Sender Trigger',
	'Altcraft Market Trigger',
	'PPL CPL Trigger',
	'Pitney Bowes Fulfillment Trigger',
] as const;
export type NodeLabel = (typeof NODE_ORDER)[number];

export const SCENARIO_ORDER = [
	'transient faults',
	'malformed responses',
	'bad input',
	'auth: token revoked mid-run',
	'auth: token endpoint down',
	'auth: wrong secret',
	'auth: token rate limit',
	'callbacks: forged or replayed',
	'polling: restarts, pages, errors',
	'timeouts',
	'secrets',
	// The hostile-provider scenarios (hostile.scenario.ts).
	'hostile: redirects',
	'hostile: deadlines',
	'hostile: answer size',
	'hostile: refusal budget',
	'hostile: pace after 503s',
	'hostile: unreadable 2xx',
	'hostile: redaction',
	// Triggers and identifiers under attack (triggersAndIds.scenario.ts).
	'triggers: dates in the future',
	'triggers: long provider ids',
	'identifiers: separators and surrogates',
] as const;
export type ScenarioName = (typeof SCENARIO_ORDER)[number];

export type Outcome = 'correct' | 'failedCleanly' | 'lost';

export interface LedgerRow {
	node: NodeLabel;
	scenario: ScenarioName;
	tried: number;
	correct: number;
	failedCleanly: number;
	lost: number;
	/** What was lost, first few (for the report and the failing test's message). */
	problems: string[];
	nodeRank: number;
	scenarioRank: number;
}

/**
 * A measured figure of a scenario (a time, a count, a memory peak) beside its bound, printed by the reporter
 * under the table. `holds` false marks a figure outside its bound (the scenario records the loss itself).
 */
export interface Figure {
	node: NodeLabel;
	scenario: ScenarioName;
	name: string;
	value: string;
	bound?: string;
	holds?: boolean;
	nodeRank: number;
	scenarioRank: number;
}

const MAX_PROBLEMS = 25;

export class Ledger {
	private readonly rows = new Map<string, LedgerRow>();
	private readonly uncovered: string[] = [];
	private readonly figures: Figure[] = [];

	/** `file` names the fragment (the scenario file's name). */
	constructor(private readonly file: string) {}

	private row(node: NodeLabel, scenario: ScenarioName): LedgerRow {
		const key = `${node}|${scenario}`;
		let row = this.rows.get(key);
		if (!row) {
			row = {
				node,
				scenario,
				tried: 0,
				correct: 0,
				failedCleanly: 0,
				lost: 0,
				problems: [],
				nodeRank: NODE_ORDER.indexOf(node),
				scenarioRank: SCENARIO_ORDER.indexOf(scenario),
			};
			this.rows.set(key, row);
		}
		return row;
	}

	/** Counts one tried case. A lost case needs a reason. */
	record(node: NodeLabel, scenario: ScenarioName, outcome: Outcome, problem?: string): void {
		const row = this.row(node, scenario);
		row.tried++;
		row[outcome]++;
		if (outcome === 'lost') {
			const reason = problem ?? 'lost (no reason given)';
			if (row.problems.length < MAX_PROBLEMS) row.problems.push(reason);
		}
	}

	/** A guarantee checked once (a count, a time bound): correct when it holds, lost when it does not. */
	check(node: NodeLabel, scenario: ScenarioName, holds: boolean, problem: string): void {
		this.record(node, scenario, holds ? 'correct' : 'lost', holds ? undefined : problem);
	}

	/** Notes a measured figure for the report (see `Figure`); counts nothing by itself. */
	figure(node: NodeLabel, scenario: ScenarioName, name: string, value: string, bound?: string, holds?: boolean): void {
		this.figures.push({
			node,
			scenario,
			name,
			value,
			bound,
			holds,
			nodeRank: NODE_ORDER.indexOf(node),
			scenarioRank: SCENARIO_ORDER.indexOf(scenario),
		});
	}

	/** A scenario this run could not cover, listed under the table (never counted as passed). */
	notCovered(what: string): void {
		this.uncovered.push(what);
	}

	get(node: NodeLabel, scenario: ScenarioName): LedgerRow {
		return this.row(node, scenario);
	}

	/** Writes this file's counts for the reporter. */
	flush(): void {
		mkdirSync(FRAGMENTS_DIR, { recursive: true });
		const name = basename(this.file).replace(/\.[^.]+$/, '');
		const fragment = { rows: [...this.rows.values()], notCovered: this.uncovered, figures: this.figures };
		writeFileSync(join(FRAGMENTS_DIR, `${name}.json`), JSON.stringify(fragment, null, 2));
	}
}

/**
 * Fails the current jest test when the row lost anything, naming what (the table still shows the counts).
 * Also fails a row that tried nothing: a scenario that silently ran zero cases proves nothing.
 */
export function expectNothingLost(ledger: Ledger, node: NodeLabel, scenario: ScenarioName): void {
	const row = ledger.get(node, scenario);
	if (row.tried === 0) throw new Error(`${node} / ${scenario}: no case was tried`);
	if (row.lost > 0) {
		throw new Error(
			`${node} / ${scenario}: ${row.lost} of ${row.tried} lost:\n  - ${row.problems.join('\n  - ')}`,
		);
	}
}
