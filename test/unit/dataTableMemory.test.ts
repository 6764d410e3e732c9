/**
 * The Data Table memory (nodes/shared/dataTableMemory.ts) on the harness's in-memory n8n Data Tables: bounds, paging,
 * lost claims, duplicate rows and failures half-way. Time is a counter: no assertion reads the wall clock.
 */
import { helperRows } from '../../nodes/shared/dataTableAccess';
import {
	DataTableStatusStore,
	MEMORY_COLUMNS,
	memoryKey,
	openMemoryTable,
	type MemoryRowsApi,
	type MemoryTableAccess,
} from '../../nodes/shared/dataTableMemory';
import type { Clock } from '../../nodes/shared/request/clock';
import type { NormalisedStatus } from '../../nodes/shared/statusModel';
import type { Observation } from '../../nodes/shared/statusStore';
import { InMemoryDataTables } from '../harness/dataTables';

const SCOPE = 'wf/node-1';

function steppingClock(): Clock & { sleeps: number[] } {
	let time = Date.UTC(2026, 0, 1);
	const sleeps: number[] = [];
	return {
		sleeps,
		now: () => (time += 1000),
		sleep: async (ms) => void sleeps.push(ms),
		deadline: () => new AbortController().signal,
	};
}

async function newTable(tables: InMemoryDataTables) {
	const table = await tables.aggregate(tables.projectId).createDataTable({ name: 'memory', columns: MEMORY_COLUMNS.map((column) => ({ ...column })) });
	return { table, rows: helperRows(tables.project(table.id, tables.projectId)) };
}

const seen = (entries: Array<[string, NormalisedStatus]>, provider = 'altcraft-market'): Observation[] =>
	entries.map(([orderId, status]) => ({ provider, orderId, status }));

describe('DataTableStatusStore', () => {
	let tables: InMemoryDataTables;
	beforeEach(() => (tables = new InMemoryDataTables()));

	test('an order seen twice in one execution is compared with its own earlier observation', async () => {
		const { rows } = await newTable(tables);
		const store = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock() });
		expect(await store.record(seen([['A', 'accepted'], ['A', 'accepted'], ['A', 'shipped']]))).toEqual([
			{ previousStatus: null, changed: true },
			{ previousStatus: 'accepted', changed: false },
			{ previousStatus: 'accepted', changed: true },
		]);
		expect(tables.rowsOf('memory').map((row) => [row.orderId, row.status])).toEqual([['A', 'shipped']]);
	});

	test('bounded like static data: open and final orders each keep their newest rows, the longest unseen go first', async () => {
		const { rows } = await newTable(tables);
		const store = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock(), limits: { open: 3, finished: 2 } });
		for (const id of ['o1', 'o2', 'o3', 'o4', 'o5']) await store.record(seen([[id, 'processing']]));
		for (const id of ['f1', 'f2', 'f3']) await store.record(seen([[id, 'delivered']]));
		expect(tables.rowsOf('memory').map((row) => row.orderId)).toEqual(['o3', 'o4', 'o5', 'f2', 'f3']);
		// Seeing o3 again makes it the newest: the next new order pushes out o4, not o3.
		await store.record(seen([['o3', 'processing']]));
		await store.record(seen([['o6', 'processing']]));
		expect(tables.rowsOf('memory').map((row) => row.orderId).sort()).toEqual(['f2', 'f3', 'o3', 'o5', 'o6']);
		// An order that became final moves to the final bound.
		await store.record(seen([['o5', 'cancelled']]));
		expect(tables.rowsOf('memory').filter((row) => row.final).map((row) => row.orderId).sort()).toEqual(['f3', 'o5']);
		expect(store.counters.pruned).toBe(5);
	});

	test('other nodes\' rows in the same table are neither read nor bounded with this node\'s', async () => {
		const { rows } = await newTable(tables);
		const mine = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock(), limits: { open: 1, finished: 1 } });
		const theirs = new DataTableStatusStore(rows, { scope: 'wf/node-2', write: true, clock: steppingClock(), limits: { open: 1, finished: 1 } });
		await theirs.record(seen([['A', 'accepted']]));
		expect(await mine.record(seen([['A', 'shipped']]))).toEqual([{ previousStatus: null, changed: true }]);
		await mine.record(seen([['B', 'accepted']]));
		expect(tables.rowsOf('memory').map((row) => [row.scope, row.orderId, row.status])).toEqual([
			['wf/node-2', 'A', 'accepted'],
			['wf/node-1', 'B', 'accepted'],
		]);
	});

	test('more orders than one page and one read batch', async () => {
		const { rows } = await newTable(tables);
		const store = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock() });
		const orders = Array.from({ length: 620 }, (_, index): [string, NormalisedStatus] => [`O-${index}`, 'accepted']);
		expect((await store.record(seen(orders))).every((recorded) => recorded.changed)).toBe(true);
		orders[611][1] = 'shipped';
		const second = await store.record(seen(orders));
		expect(second.filter((recorded) => recorded.changed)).toEqual([{ previousStatus: 'accepted', changed: true }]);
		expect(second.findIndex((recorded) => recorded.changed)).toBe(611);
		expect(tables.rowsOf('memory')).toHaveLength(620);
	});

	test('a claim lost to another execution is settled from what that execution wrote', async () => {
		const { rows } = await newTable(tables);
		const clock = steppingClock();
		await new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock }).record(seen([['A', 'accepted'], ['B', 'accepted']]));
		// Another execution moves A to shipped and B to cancelled between this execution's read and its claims.
		const other = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock });
		let interfered = false;
		const racing: MemoryRowsApi = {
			...rows,
			async getRows(options) {
				const page = await rows.getRows(options);
				if (!interfered) {
					interfered = true;
					await other.record(seen([['A', 'shipped'], ['B', 'cancelled']]));
				}
				return page;
			},
		};
		const store = new DataTableStatusStore(racing, { scope: SCOPE, write: true, clock });
		expect(await store.record(seen([['A', 'shipped'], ['B', 'delivered']]))).toEqual([
			// A: the other execution reported accepted → shipped; here it is unchanged.
			{ previousStatus: 'shipped', changed: false },
			// B: the other reported accepted → cancelled; this execution saw delivered after that: cancelled → delivered.
			{ previousStatus: 'cancelled', changed: true },
		]);
		expect(store.counters.lostClaims).toBe(2);
		expect(tables.rowsOf('memory').map((row) => [row.orderId, row.status])).toEqual([
			['A', 'shipped'],
			['B', 'delivered'],
		]);
	});

	test('two executions inserting the same new order: the lowest id is the order\'s row, the other execution defers to it', async () => {
		const { rows } = await newTable(tables);
		const clock = steppingClock();
		// This execution's insert lands after another execution inserted the same order with another status.
		const other = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock() });
		let interfered = false;
		const racing: MemoryRowsApi = {
			...rows,
			async insertRows(newRows) {
				if (!interfered) {
					interfered = true;
					await other.record(seen([['N', 'accepted']]));
				}
				return await rows.insertRows(newRows);
			},
		};
		const store = new DataTableStatusStore(racing, { scope: SCOPE, write: true, clock });
		expect(await store.record(seen([['N', 'processing']]))).toEqual([{ previousStatus: 'accepted', changed: true }]);
		expect(clock.sleeps).toEqual([300]);
		expect(store.counters.duplicatesRemoved).toBe(1);
		expect(tables.rowsOf('memory').map((row) => [row.id, row.orderId, row.status])).toEqual([[1, 'N', 'processing']]);
	});

	test('a failure half-way undoes this execution\'s claims and inserts, so a later run reports them again', async () => {
		const { rows } = await newTable(tables);
		const clock = steppingClock();
		await new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock }).record(seen([['A', 'accepted']]));
		const before = tables.rowsOf('memory');
		let deletes = 0;
		const failing: MemoryRowsApi = {
			...rows,
			async deleteRows(filter) {
				// The clean-up of a duplicate fails once (the undo's deletes go through).
				if (deletes++ === 0) throw new Error('n8n API: HTTP 503');
				return await rows.deleteRows(filter);
			},
		};
		// A duplicate row of B makes the store delete, which fails after A's claim and B's insert.
		const other = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock });
		let interfered = false;
		const racing: MemoryRowsApi = {
			...failing,
			async insertRows(newRows) {
				if (!interfered) {
					interfered = true;
					await other.record(seen([['B', 'accepted']]));
				}
				return await rows.insertRows(newRows);
			},
		};
		const store = new DataTableStatusStore(racing, { scope: SCOPE, write: true, clock });
		await expect(store.record(seen([['A', 'shipped'], ['B', 'accepted']]))).rejects.toThrow('HTTP 503');
		expect(tables.rowsOf('memory').map((row) => [row.orderId, row.status, row.statusSince])).toEqual([
			['A', 'accepted', before[0].statusSince],
			['B', 'accepted', expect.any(Date)],
		]);
		expect(await new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock }).record(seen([['A', 'shipped']]))).toEqual([
			{ previousStatus: 'accepted', changed: true },
		]);
	});

	test('without writing (a test run), nothing changes in the table', async () => {
		const { rows } = await newTable(tables);
		const store = new DataTableStatusStore(rows, { scope: SCOPE, write: false, clock: steppingClock() });
		expect(await store.record(seen([['A', 'accepted']]))).toEqual([{ previousStatus: null, changed: true }]);
		expect(tables.rowsOf('memory')).toEqual([]);
		expect(Object.keys(tables.calls).sort()).toEqual(['createDataTable', 'getManyRowsAndCount']);
	});

	test('rows are keyed by scope, provider and order id; long order ids are kept as their hash', async () => {
		const { rows } = await newTable(tables);
		const store = new DataTableStatusStore(rows, { scope: SCOPE, write: true, clock: steppingClock() });
		const long = 'x'.repeat(300);
		await store.record([...seen([['A', 'accepted']]), ...seen([['A', 'accepted']], 'sender'), ...seen([[long, 'accepted']])]);
		const stored = tables.rowsOf('memory');
		expect(stored.map((row) => [row.provider, row.orderId])).toEqual([
			['altcraft-market', 'A'],
			['sender', 'A'],
			['altcraft-market', expect.stringMatching(/^#sha256:[0-9a-f]{64}$/)],
		]);
		expect(stored[0].memoryKey).toBe(memoryKey(SCOPE, 'altcraft-market', 'A'));
		expect(stored[0].memoryKey).not.toBe(stored[1].memoryKey);
	});
});

describe('openMemoryTable', () => {
	const access = (tables: InMemoryDataTables, fail?: () => void): MemoryTableAccess => {
		const aggregate = tables.aggregate(tables.projectId);
		return {
			where: 'test',
			findTable: async (nameOrId) => {
				const { data } = await aggregate.getManyAndCount({ filter: { name: nameOrId } });
				const table = data.find((candidate) => candidate.name === nameOrId);
				return table && { id: table.id, name: table.name, columns: table.columns };
			},
			createTable: async (name, columns) => {
				fail?.();
				const table = await aggregate.createDataTable({ name, columns: columns.map((column) => ({ ...column })) });
				return { id: table.id, name: table.name, columns: table.columns };
			},
			rows: async (table) => helperRows(tables.project(table.id, tables.projectId)),
		};
	};

	test('a name n8n matches as part of a longer name is not taken for it', async () => {
		const tables = new InMemoryDataTables();
		await tables.aggregate(tables.projectId).createDataTable({ name: 'Order status memory (old)', columns: [] });
		const table = await openMemoryTable(access(tables), 'Order status memory');
		expect(table.name).toBe('Order status memory');
		expect(tables.tableNames().sort()).toEqual(['Order status memory', 'Order status memory (old)']);
	});

	test('a blank name is refused', async () => {
		await expect(openMemoryTable(access(new InMemoryDataTables()), '  ')).rejects.toThrow('No Data Table is named for the memory');
	});

	test('a creation that fails for another reason than a table created meanwhile is reported', async () => {
		const tables = new InMemoryDataTables();
		await expect(
			openMemoryTable(
				access(tables, () => {
					throw new Error('data table size limit reached');
				}),
				'Order status memory',
			),
		).rejects.toThrow('data table size limit reached');
	});
});
