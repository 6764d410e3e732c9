/**
 * Only Output Changes with its memory in an n8n Data Table, through n8n-core's WorkflowExecute (Altcraft Market as
 * the carrier; the code is shared by every action node).
 *
 * The tables are the harness's in-memory n8n Data Tables (../harness/dataTables.ts), reached through both doors:
 * n8n's node helpers (with the harness letting the pack's node in, as n8n's proxy does not), and n8n's public API
 * (../simulators/n8nApi.ts over the same tables) with the node's API credential. The real service in PostgreSQL is
 * exercised by the queue-mode suite.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { MEMORY_COLUMNS } from '../../nodes/shared/dataTableMemory';
import { InMemoryDataTables } from '../harness/dataTables';
import {
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
	type WorkflowJson,
} from '../harness/runWorkflow';
import { AltcraftSimulator } from '../simulators/altcraft';
import { N8N_API_ROUTES, N8nApiSimulator } from '../simulators/n8nApi';
import { SECRETS } from '../providers';

const NODE = 'Altcraft Market';
const TABLE = 'Order status memory';
const API_KEY = 'SECRET-n8n-api-key-7Qm2';
const WORKFLOW = fixture('altcraft-get-status.workflow.json');
const UNCHANGED = 1;

let sim: AltcraftSimulator;
let store: CredentialStore;

beforeAll(async () => {
	sim = new AltcraftSimulator({ token: SECRETS.altcraftToken });
	await sim.start();
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.orders.length = 0;
	sim.clearFaults();
	sim.resetStats();
	store = new CredentialStore();
	store.add({ id: 'altcraft-1', name: 'Altcraft', type: 'altcraftApi', data: { baseUrl: sim.url, apiToken: SECRETS.altcraftToken } });
	for (const [id, status] of [
		['A-1', 'new'],
		['A-2', 'paid'],
		['A-3', 'new'],
	]) {
		sim.addOrder({ external_id: id, status });
	}
});

/** Only Output Changes on the Data Table memory, unchanged orders on their own output. */
function watching(parameters: IDataObject = {}): WorkflowJson {
	return withParameters(WORKFLOW, NODE, { onlyChanges: true, unchangedOrders: 'output', memory: 'dataTable', ...parameters });
}

function withApiCredential(workflow: WorkflowJson): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	const node = copy.nodes.find((candidate) => candidate.name === NODE)!;
	node.credentials = { ...node.credentials, orderStatusMemoryApi: { id: 'memory-api', name: 'n8n API' } };
	return copy;
}

const ids = ['A-1', 'A-2', 'A-3'];
const run = async (workflow: WorkflowJson, tables: InMemoryDataTables | undefined, mode: 'manual' | 'trigger' = 'trigger') =>
	await runWorkflow(workflow, { credentials: store, input: ids.map((orderId) => ({ orderId })), dataTables: tables, mode });
const summary = (items: INodeExecutionData[]) => items.map((item) => [item.json.orderId, item.json.previousStatus, item.json.status]);
const changed = (result: RunResult) => summary(result.output(NODE, 0));
const unchanged = (result: RunResult) => summary(result.output(NODE, UNCHANGED));

describe('through n8n\'s Data Table helpers', () => {
	let tables: InMemoryDataTables;
	beforeEach(() => (tables = new InMemoryDataTables()));

	test('first use creates the table with a clear name and its columns; each transition is reported once', async () => {
		const first = await run(watching(), tables);
		expect(first.error).toBeUndefined();
		expect(tables.tableNames()).toEqual([TABLE]);
		expect(changed(first)).toEqual([
			['A-1', null, 'accepted'],
			['A-2', null, 'processing'],
			['A-3', null, 'accepted'],
		]);
		const rows = tables.rowsOf(TABLE);
		expect(rows.map((row) => [row.provider, row.orderId, row.status, row.final])).toEqual([
			['altcraft-market', 'A-1', 'accepted', false],
			['altcraft-market', 'A-2', 'processing', false],
			['altcraft-market', 'A-3', 'accepted', false],
		]);
		expect(rows.every((row) => row.scope === 'test-workflow/0b2b0f7e-1d1c-4f57-9a8e-000000000002')).toBe(true);
		expect(rows.every((row) => row.seenAt instanceof Date && row.statusSince instanceof Date)).toBe(true);

		const second = await run(watching(), tables);
		expect(changed(second)).toEqual([]);
		expect(unchanged(second)).toEqual([
			['A-1', 'accepted', 'accepted'],
			['A-2', 'processing', 'processing'],
			['A-3', 'accepted', 'accepted'],
		]);

		sim.setStatus('A-2', 'delivered');
		const before = tables.rowsOf(TABLE);
		const third = await run(watching(), tables);
		expect(changed(third)).toEqual([['A-2', 'processing', 'delivered']]);
		expect(unchanged(third).map(([id]) => id)).toEqual(['A-1', 'A-3']);
		const after = tables.rowsOf(TABLE);
		const row = (list: typeof after, id: string) => list.find((candidate) => candidate.orderId === id)!;
		expect(row(after, 'A-2')).toMatchObject({ status: 'delivered', final: true });
		// statusSince moves only with the status; seenAt with every check.
		expect((row(after, 'A-2').statusSince as Date).getTime()).toBeGreaterThan((row(before, 'A-2').statusSince as Date).getTime());
		expect(row(after, 'A-1').statusSince).toEqual(row(before, 'A-1').statusSince);
		expect((row(after, 'A-1').seenAt as Date).getTime()).toBeGreaterThan((row(before, 'A-1').seenAt as Date).getTime());
		expect(after).toHaveLength(3);
	});

	test('an existing table is used, picked by name or by id; each node keeps its own rows in it', async () => {
		const aggregate = tables.aggregate(tables.projectId);
		const picked = await aggregate.createDataTable({ name: 'Shop orders', columns: MEMORY_COLUMNS.map((column) => ({ ...column })) });
		const byName = await run(watching({ dataTable: 'Shop orders' }), tables);
		expect(byName.error).toBeUndefined();
		expect(tables.tableNames()).toEqual(['Shop orders']);
		expect(tables.rowsOf('Shop orders')).toHaveLength(3);

		// The same table by id, from another node: its own memory (all new for it), the first node's rows untouched.
		const other = JSON.parse(JSON.stringify(watching({ dataTable: picked.id }))) as WorkflowJson;
		other.nodes.find((node) => node.name === NODE)!.id = 'another-node-id';
		const byId = await run(other, tables);
		expect(changed(byId).map(([, previous]) => previous)).toEqual([null, null, null]);
		expect(tables.rowsOf('Shop orders')).toHaveLength(6);
		expect(tables.tableNames()).toEqual(['Shop orders']);
	});

	test('a table without the memory\'s columns is refused with a message naming them, before any order is checked', async () => {
		await tables.aggregate(tables.projectId).createDataTable({ name: 'Customers', columns: [{ name: 'email', type: 'string' }, { name: 'status', type: 'number' }] });
		const result = await run(watching({ dataTable: 'Customers' }), tables);
		expect(result.error?.message).toMatch(/^Only Output Changes: The Data Table "Customers" cannot hold the memory: it lacks memoryKey \(string\), scope \(string\).*status \(string\)/);
		expect(sim.stats.requests).toBe(0);
	});

	test('a test run from the editor reads the memory and writes nothing', async () => {
		await run(watching(), tables);
		sim.setStatus('A-1', 'paid');
		const rowsBefore = tables.rowsOf(TABLE);
		const manual = await run(watching(), tables, 'manual');
		expect(changed(manual)).toEqual([['A-1', 'accepted', 'processing']]);
		expect(tables.rowsOf(TABLE)).toEqual(rowsBefore);
		// The active workflow still reports the change.
		const active = await run(watching(), tables);
		expect(changed(active)).toEqual([['A-1', 'accepted', 'processing']]);
	});

	test('two overlapping executions that see the same change: one reports it, the other sees it unchanged', async () => {
		await run(watching(), tables);
		sim.setStatus('A-3', 'delivered');
		// Hold every write until both executions have read the memory: both read "accepted" for A-3.
		let reads = 0;
		let release!: () => void;
		const bothRead = new Promise<void>((resolve) => (release = resolve));
		tables.beforeCall = async (operation) => {
			if (operation === 'getManyRowsAndCount' && ++reads === 2) release();
			if (operation === 'updateRows') await bothRead;
		};
		const [a, b] = await Promise.all([run(watching(), tables), run(watching(), tables)]);
		tables.beforeCall = undefined;
		const reported = [a, b].map((result) => changed(result));
		expect(reported.flat()).toEqual([['A-3', 'accepted', 'delivered']]);
		const loser = reported[0].length === 0 ? a : b;
		expect(unchanged(loser)).toEqual([
			['A-1', 'accepted', 'accepted'],
			['A-2', 'processing', 'processing'],
			['A-3', 'delivered', 'delivered'],
		]);
		expect(tables.rowsOf(TABLE).map((row) => [row.orderId, row.status])).toEqual([
			['A-1', 'accepted'],
			['A-2', 'processing'],
			['A-3', 'delivered'],
		]);
	});

	test('two overlapping executions that both see new orders: each order is reported once and keeps one row', async () => {
		let reads = 0;
		let release!: () => void;
		const bothRead = new Promise<void>((resolve) => (release = resolve));
		tables.beforeCall = async (operation) => {
			if (operation === 'getManyRowsAndCount' && ++reads === 2) release();
			if (operation === 'insertRows') await bothRead;
		};
		// Creating the table first keeps the race on the rows (two creations of one name are tested below).
		await tables.aggregate(tables.projectId).createDataTable({ name: TABLE, columns: MEMORY_COLUMNS.map((column) => ({ ...column })) });
		const [a, b] = await Promise.all([run(watching(), tables), run(watching(), tables)]);
		tables.beforeCall = undefined;
		expect([...changed(a), ...changed(b)].sort()).toEqual([
			['A-1', null, 'accepted'],
			['A-2', null, 'processing'],
			['A-3', null, 'accepted'],
		]);
		expect([...unchanged(a), ...unchanged(b)].map(([id]) => id).sort()).toEqual(['A-1', 'A-2', 'A-3']);
		// Both inserted their rows (the race happened); the later rows were deleted, the first ones kept.
		expect(tables.calls.insertRows).toBe(2);
		expect(tables.calls.deleteRows).toBeGreaterThanOrEqual(1);
		expect(tables.rowsOf(TABLE).map((row) => [row.id, row.orderId])).toEqual([
			[1, 'A-1'],
			[2, 'A-2'],
			[3, 'A-3'],
		]);
	});

	test('two first uses at the same moment end with one table', async () => {
		const [a, b] = await Promise.all([run(watching(), tables), run(watching(), tables)]);
		expect(a.error).toBeUndefined();
		expect(b.error).toBeUndefined();
		expect(tables.tableNames()).toEqual([TABLE]);
		expect([...changed(a), ...changed(b)]).toHaveLength(3);
		expect(tables.rowsOf(TABLE)).toHaveLength(3);
	});

	test('the default memory is still the workflow\'s static data: no table is touched', async () => {
		const workflow = withParameters(WORKFLOW, NODE, { onlyChanges: true });
		const result = await runWorkflow(workflow, { credentials: store, input: [{ orderId: 'A-1' }], dataTables: tables, mode: 'trigger' });
		expect(result.output(NODE).map((item) => item.json.changed)).toEqual([true]);
		expect(tables.calls).toEqual({});
		expect(Object.keys(result.staticData)).toEqual([`node:${NODE}`]);
	});
});

describe('where n8n offers no Data Tables to this node', () => {
	test('n8n refuses other nodes its helpers: without an API credential the node says so and checks nothing', async () => {
		const tables = new InMemoryDataTables({ refuseOtherNodes: true });
		const result = await run(watching(), tables);
		expect(result.error?.message).toBe(
			'Only Output Changes: n8n does not let this node use Data Tables directly (n8n said: "This proxy is only available for Data table nodes"), and no API credential is set',
		);
		expect(result.error?.description).toMatch(/Order Status Memory API" credential/);
		expect((result.error as { context?: IDataObject }).context?.itemIndex).toBe(0);
		expect(sim.stats.requests).toBe(0);
		expect(tables.tableNames()).toEqual([]);
	});

	test('an n8n without Data Tables (older, or the module off): a clear message, not a memory that reports everything', async () => {
		const result = await run(watching(), undefined);
		expect(result.error?.message).toBe('Only Output Changes: This n8n offers nodes no Data Tables, and no API credential is set');
		expect(result.error?.description).toMatch(/N8N_DISABLED_MODULES/);
		expect(sim.stats.requests).toBe(0);
	});

	test('with "Continue", each input item becomes an error item instead', async () => {
		const workflow = withNodeSettings(watching(), NODE, { onError: 'continueRegularOutput' });
		const result = await run(workflow, undefined);
		expect(result.error).toBeUndefined();
		expect(result.output(NODE, 0).map((item) => [item.pairedItem, (item.json.error as IDataObject).message])).toEqual(
			[0, 1, 2].map((item) => [{ item }, 'Only Output Changes: This n8n offers nodes no Data Tables, and no API credential is set']),
		);
		expect(sim.stats.requests).toBe(0);
	});
});

describe("through n8n's public API, with the node's API credential", () => {
	let tables: InMemoryDataTables;
	let api: N8nApiSimulator;
	beforeEach(async () => {
		// n8n's own rule: its helpers refuse the pack's node, so the API is the way in.
		tables = new InMemoryDataTables({ refuseOtherNodes: true });
		api = new N8nApiSimulator(tables, API_KEY);
		await api.start();
		store.add({ id: 'memory-api', name: 'n8n API', type: 'orderStatusMemoryApi', data: { baseUrl: `${api.url}/`, apiKey: API_KEY } });
	});
	afterEach(async () => await api.stop());

	test('creates the table through the API on first use; transitions are reported once; the key stays out of the items', async () => {
		const first = await run(withApiCredential(watching()), tables);
		expect(first.error).toBeUndefined();
		expect(api.count(N8N_API_ROUTES.createTable)).toBe(1);
		expect(changed(first).map(([id]) => id)).toEqual(ids);
		sim.setStatus('A-1', 'canceled');
		const second = await run(withApiCredential(watching()), tables);
		expect(changed(second)).toEqual([['A-1', 'accepted', 'cancelled']]);
		expect(unchanged(second).map(([id]) => id)).toEqual(['A-2', 'A-3']);
		expect(api.count(N8N_API_ROUTES.createTable)).toBe(1);
		expect(tables.rowsOf(TABLE).map((row) => [row.orderId, row.status])).toEqual([
			['A-1', 'cancelled'],
			['A-2', 'processing'],
			['A-3', 'accepted'],
		]);
		expect(api.unmatched).toEqual([]);
		expect(JSON.stringify(second.run.data)).not.toContain(API_KEY);
	});

	test('two overlapping executions through the API: the change is reported once', async () => {
		await run(withApiCredential(watching()), tables);
		sim.setStatus('A-2', 'delivered');
		let reads = 0;
		let release!: () => void;
		const bothRead = new Promise<void>((resolve) => (release = resolve));
		tables.beforeCall = async (operation) => {
			if (operation === 'getManyRowsAndCount' && ++reads === 2) release();
			if (operation === 'updateRows') await bothRead;
		};
		const [a, b] = await Promise.all([run(withApiCredential(watching()), tables), run(withApiCredential(watching()), tables)]);
		tables.beforeCall = undefined;
		expect([...changed(a), ...changed(b)]).toEqual([['A-2', 'processing', 'delivered']]);
		expect(api.count(N8N_API_ROUTES.updateRows)).toBeGreaterThanOrEqual(2);
	});

	test('a refused API key stops the node with a message that names the credential, and the key is not shown', async () => {
		store.update('memory-api', { baseUrl: api.url, apiKey: 'SECRET-wrong-key-1' });
		const result = await run(withApiCredential(watching()), tables);
		expect(result.error?.message).toMatch(/^Only Output Changes \(Data Table memory\): n8n API: the API key was refused: check the "Order Status Memory API" credential/);
		expect(JSON.stringify(result.run.data)).not.toContain('SECRET-wrong-key-1');
		expect(sim.stats.requests).toBe(0);
	});

	test('an n8n whose API has no Data Tables (1.x answers 404): the message says so', async () => {
		// The Altcraft simulator answers 404 to every path it does not know, as an n8n 1.x API does to /data-tables.
		store.update('memory-api', { baseUrl: sim.url, apiKey: API_KEY });
		const result = await run(withApiCredential(watching()), tables);
		expect(result.error?.message).toMatch(/this n8n's API has no Data Tables \(n8n 2\.x has them/);
	});
});
