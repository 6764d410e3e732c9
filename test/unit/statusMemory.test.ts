import { StatusMemory } from '../../nodes/shared/statusMemory';
import { configuredOutputs, OutputLayout } from '../../nodes/shared/statusRouting';
import { NORMALISED_STATUSES, STATUS_LABELS } from '../../nodes/shared/statusModel';

describe('StatusMemory', () => {
	test('a first sighting is a change, the same status again is not, a new one is', () => {
		const staticData = {};
		const memory = new StatusMemory(staticData);
		expect(memory.record('p:A', 'accepted')).toEqual({ previousStatus: null, changed: true });
		expect(memory.record('p:A', 'accepted')).toEqual({ previousStatus: 'accepted', changed: false });
		expect(memory.record('p:A', 'shipped')).toEqual({ previousStatus: 'accepted', changed: true });
		// The state lives in the static data object n8n saves.
		expect(staticData).toEqual({ orderStatus: { open: { 'p:A': 'shipped' }, finished: {} } });
		expect(new StatusMemory(staticData).previous('p:A')).toBe('shipped');
	});

	test('final orders leave the main memory but are not reported again on the next check', () => {
		const memory = new StatusMemory({});
		memory.record('p:A', 'shipped');
		expect(memory.record('p:A', 'delivered')).toEqual({ previousStatus: 'shipped', changed: true });
		expect(memory.size).toEqual({ open: 0, finished: 1 });
		expect(memory.record('p:A', 'delivered')).toEqual({ previousStatus: 'delivered', changed: false });
	});

	test('both lists are bounded and drop their oldest entries first; a change makes an entry young again', () => {
		const memory = new StatusMemory({}, { open: 3, finished: 2 });
		for (const id of ['A', 'B', 'C']) memory.record(`p:${id}`, 'accepted');
		memory.record('p:A', 'shipped'); // A is now the youngest
		memory.record('p:D', 'accepted'); // B (oldest) goes
		expect(memory.previous('p:B')).toBeNull();
		expect(['p:A', 'p:C', 'p:D'].map((key) => memory.previous(key))).toEqual(['shipped', 'accepted', 'accepted']);
		for (const id of ['E', 'F', 'G']) memory.record(`p:${id}`, 'delivered');
		expect(memory.size).toEqual({ open: 3, finished: 2 });
		expect(memory.previous('p:E')).toBeNull();
	});

	test('a damaged memory is replaced instead of crashing the node', () => {
		const staticData = { orderStatus: 'garbage' };
		expect(new StatusMemory(staticData).record('p:A', 'pending').changed).toBe(true);
	});
});

describe('configuredOutputs (what the editor shows)', () => {
	test('one plain output when nothing is routed', () => {
		expect(configuredOutputs({})).toEqual([{ type: 'main' }]);
		expect(configuredOutputs({ onlyChanges: true, unchangedOrders: 'drop' })).toEqual([{ type: 'main' }]);
	});

	test('chosen statuses in vocabulary order, then Other, then Unchanged', () => {
		expect(
			configuredOutputs({
				routeByStatus: true,
				routedStatuses: ['delivered', 'accepted', 'not-a-status'],
				onlyChanges: true,
				unchangedOrders: 'output',
			}).map((output) => output.displayName),
		).toEqual(['Accepted', 'Delivered', 'Other', 'Unchanged']);
	});

	test('its inlined labels are the vocabulary\'s labels', () => {
		const outputs = configuredOutputs({ routeByStatus: true, routedStatuses: [...NORMALISED_STATUSES] });
		expect(outputs.map((output) => output.displayName)).toEqual([
			...NORMALISED_STATUSES.map((status) => STATUS_LABELS[status]),
			'Other',
		]);
	});

	test('the runtime layout agrees with the editor', () => {
		const layout = new OutputLayout({
			routeByStatus: true,
			routedStatuses: ['on_hold', 'accepted'],
			onlyChanges: true,
			unchangedOrders: 'output',
		});
		expect([layout.count, layout.indexOf('accepted'), layout.indexOf('on_hold'), layout.indexOf('shipped')]).toEqual([
			4, 0, 1, 2,
		]);
		expect([layout.otherIndex, layout.unchangedIndex]).toEqual([2, 3]);
	});
});

describe('the memory stays bounded in bytes', () => {
	test('a long provider id is kept as its hash; short ones as they are', async () => {
		const { StatusMemory, MAX_KEY_ID_LENGTH } = await import('../../nodes/shared/statusMemory');
		expect(StatusMemory.key('p', 'A-1')).toBe('p:A-1');
		const long = 'x'.repeat(200_000);
		const key = StatusMemory.key('p', long);
		expect(key).toMatch(/^p:#sha256:[0-9a-f]{64}$/);
		expect(StatusMemory.key('p', `${long}y`)).not.toBe(key);
		expect(StatusMemory.key('p', 'y'.repeat(MAX_KEY_ID_LENGTH))).toBe(`p:${'y'.repeat(MAX_KEY_ID_LENGTH)}`);
		const staticData = {};
		const memory = new StatusMemory(staticData);
		for (let i = 0; i < 50; i++) memory.record(StatusMemory.key('p', `${i}${long}`), 'accepted');
		expect(JSON.stringify(staticData).length).toBeLessThan(10_000);
	});
});
