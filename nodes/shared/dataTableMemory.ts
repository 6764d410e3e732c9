import { createHash } from 'node:crypto';

import type { DataTableColumnType, DataTableFilter, DataTableRow } from 'n8n-workflow';

import { systemClock, type Clock } from './request/clock';
import { MAX_FINISHED_ORDERS, MAX_OPEN_ORDERS, MAX_KEY_ID_LENGTH, type MemoryLimits } from './statusMemory';
import { isFinalStatus, isNormalisedStatus, type NormalisedStatus } from './statusModel';
import { compareInOrder, type Observation, type Recorded, type StatusStore } from './statusStore';

/**
 * *Only Output Changes* with its memory in an n8n Data Table: n8n's own database, which every main and worker
 * instance shares (PostgreSQL in queue mode), so executions on different workers see each other's statuses.
 *
 * One row per node, provider and order:
 *
 * | column | type | holds |
 * |---|---|---|
 * | `memoryKey` | string | hash of the node's scope, the provider and the order id: the row's identity |
 * | `scope` | string | `<workflow id>/<node id>`: whose memory the row is (several nodes can share one table) |
 * | `provider`, `orderId` | string | the order, readable (ids longer than 200 characters as their SHA-256) |
 * | `status` | string | the last normalised status seen |
 * | `final` | boolean | whether that status is final (the two kinds are bounded separately, as in static data) |
 * | `statusSince` | date | when the order got that status (as far as this memory saw) |
 * | `seenAt` | date | when an execution last saw the order |
 *
 * Two executions (on two workers) checking the same orders at the same time:
 *
 * - A change is claimed with a conditional update: `status := new WHERE id = row AND status = old`. The database
 *   applies it once; the execution whose update matched reports the change, the other finds the row already moved
 *   and reports the order as unchanged (or, if it saw yet another status, reports that step from the new value).
 *   So a transition is reported once, and none is lost: a status the memory does not hold yet always differs from
 *   the row, and only the execution whose claim changed the row says so.
 * - A new order has no row to claim, and n8n's Data Tables have no unique columns: both executions insert one.
 *   After its inserts an execution waits a moment (`settleMs`, for the other's insert to commit) and reads the key
 *   again; the row with the lowest id is the order's row, the others are deleted, and the execution whose row lost
 *   treats the order like a known one (unchanged, or a claim from the winner's status). Only inserts that both
 *   commit within that moment of each other's reads can both report the same new order.
 *
 * Test runs from the editor (manual mode) read the memory and write nothing, as n8n does not save static data for
 * them: a test run does not take a change away from the active workflow.
 */

export const DEFAULT_MEMORY_TABLE = 'Order status memory';

export const MEMORY_COLUMNS: ReadonlyArray<{ name: string; type: DataTableColumnType }> = [
	{ name: 'memoryKey', type: 'string' },
	{ name: 'scope', type: 'string' },
	{ name: 'provider', type: 'string' },
	{ name: 'orderId', type: 'string' },
	{ name: 'status', type: 'string' },
	{ name: 'final', type: 'boolean' },
	{ name: 'statusSince', type: 'date' },
	{ name: 'seenAt', type: 'date' },
];

/** Keys per read: the public API takes the filter in the query string, which must stay well under 16 KB. */
export const READ_BATCH = 50;
/** Rows per update or delete (a body, or ids in a query string). */
export const WRITE_BATCH = 100;
/** The most rows one page of n8n's Data Table API returns. */
export const PAGE_SIZE = 250;
/** How long an execution that inserted rows waits before reading them back (see the header). */
export const SETTLE_MS = 300;
/** Conditional updates of one execution in flight at the same time. */
const CLAIM_CONCURRENCY = 4;
/** Claims of one order before giving up (each lost claim means another execution moved the row). */
const MAX_CLAIM_ATTEMPTS = 5;

/** A memory row as stored (the service adds `id`, `createdAt`, `updatedAt`). */
export type MemoryRow = DataTableRow & { id: number };

/** The rows of one table: the part of n8n's `IDataTableProjectService` this memory uses. */
export interface MemoryRowsApi {
	/** Rows matching `filter`, a page at a time (`take` at most PAGE_SIZE). */
	getRows(options: { filter: DataTableFilter; sortBy?: [string, 'ASC' | 'DESC']; take: number; skip?: number }): Promise<MemoryRow[]>;
	/** Inserts rows and returns them with their ids. */
	insertRows(rows: DataTableRow[]): Promise<MemoryRow[]>;
	/** Updates every row matching `filter` and returns the rows it changed. */
	updateRows(filter: DataTableFilter, data: DataTableRow): Promise<MemoryRow[]>;
	deleteRows(filter: DataTableFilter): Promise<void>;
}

export interface MemoryTableInfo {
	id: string;
	name: string;
	columns: Array<{ name: string; type: string }>;
}

/** Finding, creating and opening tables: the part of n8n's aggregate service (or its API) this memory uses. */
export interface MemoryTableAccess {
	/** Where the tables are, for messages, e.g. "n8n's Data Tables" or "the n8n API at http://…". */
	readonly where: string;
	/** The table with this id, or else this name (undefined when there is none). */
	findTable(nameOrId: string): Promise<MemoryTableInfo | undefined>;
	createTable(name: string, columns: ReadonlyArray<{ name: string; type: DataTableColumnType }>): Promise<MemoryTableInfo>;
	rows(table: MemoryTableInfo): Promise<MemoryRowsApi>;
}

/** A table that cannot hold the memory, or a name that cannot be used: the user must change a parameter. */
export class MemoryTableError extends Error {
	constructor(
		message: string,
		readonly description: string,
	) {
		super(message);
		this.name = 'MemoryTableError';
	}
}

/** The table named (or with the id) `nameOrId`, created with the memory's columns when there is none. */
export async function openMemoryTable(access: MemoryTableAccess, nameOrId: string): Promise<MemoryTableInfo> {
	const name = nameOrId.trim();
	if (name === '') {
		throw new MemoryTableError('No Data Table is named for the memory', 'Enter a Data Table name (or id) under "Data Table".');
	}
	let table = await access.findTable(name);
	if (!table) {
		let createFailure: unknown;
		table = await access.createTable(name, MEMORY_COLUMNS).catch((error: unknown) => {
			createFailure = error;
			return undefined;
		});
		// Another execution may have created it at the same moment (names are unique per project).
		table ??= await access.findTable(name);
		if (!table) throw createFailure;
	}
	const missing = MEMORY_COLUMNS.filter(
		(wanted) => !table!.columns.some((column) => column.name === wanted.name && column.type === wanted.type),
	);
	if (missing.length > 0) {
		throw new MemoryTableError(
			`The Data Table "${table.name}" cannot hold the memory: it lacks ${missing.map((column) => `${column.name} (${column.type})`).join(', ')}`,
			`Name a new table under "Data Table" (the node creates it with the columns it needs: ${MEMORY_COLUMNS.map((column) => column.name).join(', ')}), or add the missing columns to this one.`,
		);
	}
	return table;
}

/** The row identity of an order in one node's memory. */
export function memoryKey(scope: string, provider: string, orderId: string): string {
	return createHash('sha256').update(`${scope}\u0000${provider}\u0000${orderId}`).digest('hex').slice(0, 40);
}

/** The order id as kept in the readable column: long ids become their SHA-256, as in static data. */
function readableOrderId(orderId: string): string {
	return orderId.length <= MAX_KEY_ID_LENGTH ? orderId : `#sha256:${createHash('sha256').update(orderId).digest('hex')}`;
}

const eq = (columnName: string, value: string | number | boolean) => ({ columnName, condition: 'eq' as const, value });
const anyOf = (columnName: string, values: Array<string | number>): DataTableFilter => ({
	type: 'or',
	filters: values.map((value) => eq(columnName, value)),
});

function chunks<T>(values: T[], size: number): T[][] {
	const out: T[][] = [];
	for (let start = 0; start < values.length; start += size) out.push(values.slice(start, start + size));
	return out;
}

function statusOf(row: MemoryRow | undefined): NormalisedStatus | null {
	const value = row?.status;
	return isNormalisedStatus(value) ? value : null;
}

interface Group {
	key: string;
	observation: Observation;
	indexes: number[];
	statuses: NormalisedStatus[];
}

/** What this execution changed, so that a failure half-way can undo it (the next run then reports it again). */
type Applied =
	| { kind: 'claim'; id: number; from: MemoryRow['status']; fromFinal: MemoryRow['final']; fromSince: MemoryRow['statusSince']; to: string }
	| { kind: 'insert'; id: number };

export interface DataTableStoreOptions {
	/** `<workflow id>/<node id>`: whose memory this is. */
	scope: string;
	/** False for test runs from the editor: read the memory, write nothing. */
	write: boolean;
	limits?: MemoryLimits;
	clock?: Clock;
	settleMs?: number;
}

export class DataTableStatusStore implements StatusStore {
	private readonly limits: MemoryLimits;
	private readonly clock: Clock;
	private readonly settleMs: number;
	/** Requests made, for tests and diagnostics. */
	readonly counters = { reads: 0, inserts: 0, claims: 0, lostClaims: 0, duplicatesRemoved: 0, pruned: 0 };

	constructor(
		private readonly rows: MemoryRowsApi,
		private readonly options: DataTableStoreOptions,
	) {
		this.limits = options.limits ?? { open: MAX_OPEN_ORDERS, finished: MAX_FINISHED_ORDERS };
		this.clock = options.clock ?? systemClock;
		this.settleMs = options.settleMs ?? SETTLE_MS;
	}

	async record(observations: Observation[]): Promise<Recorded[]> {
		const results: Recorded[] = new Array(observations.length);
		const groups = new Map<string, Group>();
		observations.forEach((observation, index) => {
			const key = memoryKey(this.options.scope, observation.provider, observation.orderId);
			const group = groups.get(key) ?? { key, observation, indexes: [], statuses: [] };
			group.indexes.push(index);
			group.statuses.push(observation.status);
			groups.set(key, group);
		});
		const settle = (group: Group, stored: NormalisedStatus | null) => {
			compareInOrder(stored, group.statuses).forEach((recorded, position) => (results[group.indexes[position]] = recorded));
		};

		const existing = await this.readKeys([...groups.keys()]);
		if (!this.options.write) {
			for (const group of groups.values()) settle(group, statusOf(existing.get(group.key)?.[0]));
			return results;
		}

		const now = new Date(this.clock.now()).toISOString();
		const applied: Applied[] = [];
		let failure: unknown;
		try {
			const unchanged: number[] = [];
			const duplicates: number[] = [];
			const claims: Array<{ group: Group; row: MemoryRow }> = [];
			const inserts: Group[] = [];
			for (const group of groups.values()) {
				const rows = existing.get(group.key) ?? [];
				duplicates.push(...rows.slice(1).map((row) => row.id));
				const row = rows[0];
				if (!row) inserts.push(group);
				else if (statusOf(row) === group.statuses[group.statuses.length - 1]) {
					unchanged.push(row.id);
					settle(group, statusOf(row));
				} else claims.push({ group, row });
			}

			await this.inParallel(claims, async ({ group, row }) => settle(group, await this.claim(group, row, now, applied)));

			if (inserts.length > 0) {
				const inserted = new Map<string, number>();
				for (const batch of chunks(inserts, WRITE_BATCH)) {
					this.counters.inserts++;
					const rows = await this.rows.insertRows(batch.map((group) => this.newRow(group, now)));
					for (const row of rows) {
						inserted.set(String(row.memoryKey), row.id);
						applied.push({ kind: 'insert', id: row.id });
					}
				}
				// Let an insert of the same order by another execution commit, then see which row is the order's.
				await this.clock.sleep(this.settleMs);
				const after = await this.readKeys(inserts.map((group) => group.key));
				const losers: Array<{ group: Group; row: MemoryRow }> = [];
				for (const group of inserts) {
					const rows = after.get(group.key) ?? [];
					const mine = inserted.get(group.key);
					duplicates.push(...rows.slice(1).map((row) => row.id));
					if (rows.length === 0 || rows[0].id === mine) settle(group, null);
					else losers.push({ group, row: rows[0] });
				}
				for (const { group, row } of losers) {
					if (statusOf(row) === group.statuses[group.statuses.length - 1]) {
						unchanged.push(row.id);
						settle(group, statusOf(row));
					}
				}
				const toClaim = losers.filter(({ group }) => results[group.indexes[0]] === undefined);
				await this.inParallel(toClaim, async ({ group, row }) => settle(group, await this.claim(group, row, now, applied)));
			}

			for (const batch of chunks([...new Set(duplicates)], WRITE_BATCH)) {
				this.counters.duplicatesRemoved += batch.length;
				await this.rows.deleteRows(anyOf('id', batch));
			}
			for (const batch of chunks(unchanged, WRITE_BATCH)) {
				await this.rows.updateRows(anyOf('id', batch), { seenAt: now });
			}
		} catch (error) {
			failure = error;
		}
		if (failure !== undefined) {
			await this.undo(applied);
			throw failure;
		}
		// Bounding the table only forgets old orders: a failure here must not undo what was recorded.
		if (applied.length > 0) await this.prune();
		return results;
	}

	/** The rows of each key, lowest id first (more than one only while two executions inserted the same order). */
	private async readKeys(keys: string[]): Promise<Map<string, MemoryRow[]>> {
		const byKey = new Map<string, MemoryRow[]>();
		for (const batch of chunks(keys, READ_BATCH)) {
			for (const row of await this.readAll(anyOf('memoryKey', batch))) {
				const key = String(row.memoryKey);
				byKey.set(key, [...(byKey.get(key) ?? []), row]);
			}
		}
		for (const rows of byKey.values()) rows.sort((a, b) => a.id - b.id);
		return byKey;
	}

	private async readAll(filter: DataTableFilter): Promise<MemoryRow[]> {
		const rows: MemoryRow[] = [];
		for (let skip = 0; ; skip += PAGE_SIZE) {
			this.counters.reads++;
			const page = await this.rows.getRows({ filter, take: PAGE_SIZE, skip, sortBy: ['id', 'ASC'] });
			rows.push(...page);
			if (page.length < PAGE_SIZE) return rows;
		}
	}

	private newRow(group: Group, now: string): DataTableRow {
		const status = group.statuses[group.statuses.length - 1];
		return {
			memoryKey: group.key,
			scope: this.options.scope,
			provider: group.observation.provider,
			orderId: readableOrderId(group.observation.orderId),
			status,
			final: isFinalStatus(status),
			statusSince: now,
			seenAt: now,
		};
	}

	/**
	 * Moves the order's row from what it holds to this execution's last status, if no other execution moved it
	 * first; returns the status the results are to be compared with.
	 */
	private async claim(group: Group, start: MemoryRow, now: string, applied: Applied[]): Promise<NormalisedStatus | null> {
		const target = group.statuses[group.statuses.length - 1];
		let row: MemoryRow | undefined = start;
		for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS && row; attempt++) {
			const stored = statusOf(row);
			if (stored === target) {
				// Another execution recorded this very status: it reported the change.
				await this.rows.updateRows(anyOf('id', [row.id]), { seenAt: now });
				return stored;
			}
			this.counters.claims++;
			const filter: DataTableFilter = {
				type: 'and',
				filters: [
					eq('id', row.id),
					row.status === null || row.status === undefined || row.status === ''
						? { columnName: 'status', condition: 'isEmpty', value: null }
						: eq('status', String(row.status)),
				],
			};
			const changed = await this.rows.updateRows(filter, { status: target, final: isFinalStatus(target), statusSince: now, seenAt: now });
			if (changed.length > 0) {
				applied.push({ kind: 'claim', id: row.id, from: row.status, fromFinal: row.final, fromSince: row.statusSince, to: target });
				return stored;
			}
			this.counters.lostClaims++;
			row = (await this.readKeys([group.key])).get(group.key)?.[0];
		}
		if (!row) {
			// The row went away meanwhile (pruned or deleted by hand): this order starts over.
			const [inserted] = await this.rows.insertRows([this.newRow(group, now)]);
			if (inserted) applied.push({ kind: 'insert', id: inserted.id });
			return null;
		}
		throw new Error(
			`The memory of order ${group.observation.orderId} kept changing under this execution (${MAX_CLAIM_ATTEMPTS} attempts): another execution checks it at the same time`,
		);
	}

	/** Best effort: puts back what this execution changed, so that its changes are reported by a later run. */
	private async undo(applied: Applied[]): Promise<void> {
		for (const entry of applied.reverse()) {
			try {
				if (entry.kind === 'insert') await this.rows.deleteRows(anyOf('id', [entry.id]));
				else {
					await this.rows.updateRows(
						{ type: 'and', filters: [eq('id', entry.id), eq('status', entry.to)] },
						{ status: entry.from ?? null, final: entry.fromFinal ?? null, statusSince: entry.fromSince ?? null },
					);
				}
			} catch {
				// The store is failing already; what is left is reported again or not, as the table says.
			}
		}
	}

	/** Forgets the orders seen longest ago beyond the bounds: open and final orders each keep their own number. */
	private async prune(): Promise<void> {
		for (const [final, limit] of [
			[false, this.limits.open],
			[true, this.limits.finished],
		] as const) {
			const filter: DataTableFilter = { type: 'and', filters: [eq('scope', this.options.scope), eq('final', final)] };
			for (;;) {
				this.counters.reads++;
				// The newest `limit` rows stay; whatever comes after them is beyond the bound.
				const beyond = await this.rows.getRows({ filter, sortBy: ['seenAt', 'DESC'], skip: limit, take: PAGE_SIZE });
				if (beyond.length === 0) break;
				for (const batch of chunks(beyond.map((row) => row.id), WRITE_BATCH)) {
					this.counters.pruned += batch.length;
					await this.rows.deleteRows(anyOf('id', batch));
				}
				if (beyond.length < PAGE_SIZE) break;
			}
		}
	}

	private async inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
		let next = 0;
		const errors: unknown[] = [];
		const worker = async () => {
			while (next < items.length && errors.length === 0) {
				const item = items[next++];
				try {
					await work(item);
				} catch (error) {
					errors.push(error);
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(CLAIM_CONCURRENCY, items.length) }, worker));
		if (errors.length > 0) throw errors[0];
	}
}
