/**
 * Pages that overlap, arrive out of order or shift while a poll reads them, per trigger (each provider pages
 * differently): no order is emitted twice, none is skipped, and an older answer never overwrites a newer status.
 */
import type { IDataObject } from 'n8n-workflow';

import type { CredentialStore } from '../harness/runWorkflow';
import { ALTCRAFT_ROUTES, type AltcraftSimulator } from '../simulators/altcraft';
import type { SimRequest } from '../simulators/framework';
import { pbDate, PITNEY_BOWES_ROUTES, type PitneyBowesSimulator } from '../simulators/pitneyBowes';
import { PPL_ROUTES, type PplSimulator } from '../simulators/ppl';
import { altcraftDriver, id, pitneyBowesDriver, pplDriver, session, type TriggerDriver } from './pollingTriggersSetup';

const orderIds = (items: IDataObject[]) => items.map((item) => item.orderId);

function rawJson(body: unknown) {
	return { kind: 'raw' as const, status: 200, contentType: 'application/json', body: JSON.stringify(body) };
}

function withDriver(make: () => TriggerDriver): { driver: TriggerDriver; store: () => CredentialStore } {
	const driver = make();
	let store: CredentialStore;
	beforeAll(async () => await driver.start());
	afterAll(async () => await driver.stop());
	beforeEach(() => {
		driver.reset();
		store = driver.credentials();
	});
	return { driver, store: () => store };
}

describe('Altcraft Market Trigger: pages', () => {
	const { driver, store } = withDriver(altcraftDriver);
	const sim = () => driver.sim as AltcraftSimulator;
	const listRow = (externalId: string, status: string, updateTime: string) => ({
		external_id: externalId,
		endpoint: 'website',
		status,
		update_time: updateTime,
	});

	test('an older answer (a stale replica) does not overwrite a newer status, and nothing flip-flops', async () => {
		const long_ago = new Date(Date.now() - 3_600_000).toISOString();
		driver.addOrder('A-1', 'new', Date.parse(long_ago));
		driver.addOrder('A-2', 'new', Date.parse(long_ago));
		const trigger = session(driver, store());
		await trigger.poll();
		driver.setStatus('A-1', 'paid');
		expect(orderIds((await trigger.poll()).json)).toEqual(['A-1']);

		sim().injectFault({
			route: ALTCRAFT_ROUTES.list,
			times: 1,
			fault: rawJson({
				error: 0,
				error_text: '',
				next_from_id: '',
				result: [listRow('A-1', 'new', long_ago), listRow('A-2', 'new', long_ago)],
			}),
		});
		expect((await trigger.poll()).items).toBeNull();
		expect((await trigger.poll()).items).toBeNull();
		driver.setStatus('A-1', 'delivered');
		expect((await trigger.poll()).json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
			['A-1', 'processing', 'delivered'],
		]);
	});

	test('an order on two overlapping pages (new status, then an older copy) is emitted once, with the newest', async () => {
		for (let n = 1; n <= 150; n++) driver.addOrder(id('ORD', n), 'new', Date.now() - 3_600_000);
		const trigger = session(driver, store());
		await trigger.poll();
		const stale = sim().orders.find((order) => order.external_id === id('ORD', 1))!.update_time!;
		driver.setStatus(id('ORD', 1), 'paid');
		// Page 2 repeats ORD-0001 with its old status and time, and ORD-0002 as it is.
		sim().injectFault({
			route: ALTCRAFT_ROUTES.list,
			when: (req: SimRequest) => (req.body as IDataObject).from_id === 'cur-100',
			times: 1,
			fault: rawJson({
				error: 0,
				error_text: '',
				next_from_id: '',
				result: [listRow(id('ORD', 1), 'new', stale), listRow(id('ORD', 2), 'new', stale)],
			}),
		});
		const outcome = await trigger.poll();
		expect(outcome.json.map((item) => [item.orderId, item.status])).toEqual([[id('ORD', 1), 'processing']]);
		expect((await trigger.poll()).items).toBeNull();
	});

	test('a server that repeats its page cursor does not keep the poll busy; the touchpoint filter is sent', async () => {
		driver.addOrder('T-1', 'new');
		sim().injectFault({
			route: ALTCRAFT_ROUTES.list,
			fault: rawJson({ error: 0, error_text: '', next_from_id: 'cur-0', result: [listRow('T-1', 'new', new Date().toISOString())] }),
		});
		const trigger = session(driver, store(), { touchpoint: 'website' });
		const first = await trigger.poll();
		expect(first.error).toBeUndefined();
		expect(sim().count(ALTCRAFT_ROUTES.list)).toBeLessThanOrEqual(2);
		expect(sim().requests.every((req) => (req.body as IDataObject).endpoint === 'website')).toBe(true);
	});
});

describe('Pitney Bowes Fulfillment Trigger: pages', () => {
	const { driver, store } = withDriver(pitneyBowesDriver);
	const sim = () => driver.sim as PitneyBowesSimulator;
	const searchBodies = () =>
		sim()
			.requests.filter((req) => req.route === PITNEY_BOWES_ROUTES.statusSearch)
			.map((req) => ({ page: req.query.get('page'), body: req.body as IDataObject }));

	test('asks for updates since the newest one seen minus the overlap, sorted oldest first', async () => {
		const base = Date.now() - 7_200_000;
		sim().addOrder({ orderId: 'P-1', status: 'RECEIVED', pbUpdateDate: pbDate(base), brand: 'MYBRAND' });
		sim().addOrder({ orderId: 'P-2', status: 'RECEIVED', pbUpdateDate: pbDate(base + 5000), brand: 'MYBRAND' });
		sim().addOrder({ orderId: 'P-3', status: 'RECEIVED', pbUpdateDate: pbDate(base + 9000), brand: 'OTHER' });
		const trigger = session(driver, store(), { options: { overlapSeconds: 30, brand: 'MYBRAND' } });
		await trigger.poll();
		expect(searchBodies()[0].body).toEqual({ clientId: 'MYCLIENT', sort: ['pbUpdateDate-asc'], searchFields: [{ name: 'brands', values: ['MYBRAND'] }] });
		expect((trigger.nodeStaticData('live').poll as IDataObject).cursor).toEqual({ newestUpdate: pbDate(base + 5000) });
		sim().resetStats();
		await trigger.poll();
		expect(searchBodies()[0].body.searchFields).toEqual([
			{ name: 'pbUpdateDate', values: [pbDate(base + 5000 - 30_000)] },
			{ name: 'brands', values: ['MYBRAND'] },
		]);
	});

	test('an older answer does not overwrite a newer status', async () => {
		const base = Date.now() - 7_200_000;
		driver.addOrder('P-1', 'RECEIVED', base);
		const trigger = session(driver, store());
		await trigger.poll();
		driver.setStatus('P-1', 'SHIPPED', base + 60_000);
		expect(orderIds((await trigger.poll()).json)).toEqual(['P-1']);
		const staleRow = { ...sim().getOrder('P-1')!, status: 'RECEIVED', pbUpdateDate: pbDate(base) };
		sim().injectFault({
			route: PITNEY_BOWES_ROUTES.statusSearch,
			times: 1,
			fault: rawJson({ content: [staleRow], totalElements: 1, totalPages: 1, size: 100, last: true }),
		});
		expect((await trigger.poll()).items).toBeNull();
		expect((await trigger.poll()).items).toBeNull();
	});

	test('an order that changes while the poll pages cannot push an unread order out of reach', async () => {
		// 150 orders a second apart; all change (a second apart) before the poll; one changes again mid-poll.
		const base = Date.now() - 7_200_000;
		for (let n = 1; n <= 150; n++) driver.addOrder(id('ORD', n), 'RECEIVED', base + n * 1000);
		const trigger = session(driver, store());
		await trigger.poll();
		for (let n = 1; n <= 150; n++) driver.setStatus(id('ORD', n), 'PICKED', base + 600_000 + n * 1000);
		sim().resetStats();
		let searches = 0;
		sim().injectFault({
			route: PITNEY_BOWES_ROUTES.statusSearch,
			// A side effect, not a fault: before the second page is served, ORD-0005 moves to the end.
			when: () => {
				if (++searches === 2) driver.setStatus(id('ORD', 5), 'PACKED', base + 900_000);
				return false;
			},
			fault: { kind: 'delay', ms: 0 },
		});
		const outcome = await trigger.poll();
		expect(new Set(orderIds(outcome.json)).size).toBe(150);
		expect(outcome.json).toHaveLength(150);
		// The second request went on from the last date read, not from row 101 of a list that had shifted.
		expect(searchBodies()[1]).toEqual({
			page: '1',
			body: expect.objectContaining({ searchFields: [{ name: 'pbUpdateDate', values: [pbDate(base + 600_000 + 100_000)] }] }),
		});
		const order5 = outcome.json.find((item) => item.orderId === id('ORD', 5))!;
		expect(order5.statusRaw).toBe('PACKED');
	});

	test('more orders than a page within one second are read page by page, each emitted once', async () => {
		const at = Date.now() - 7_200_000;
		for (let n = 1; n <= 250; n++) driver.addOrder(id('ORD', n), 'RECEIVED', at);
		const trigger = session(driver, store(), { options: { emitExistingOrders: true } });
		const outcome = await trigger.poll();
		expect(outcome.json).toHaveLength(250);
		expect(new Set(orderIds(outcome.json)).size).toBe(250);
	});
});

describe('PPL CPL Trigger: windows and pages', () => {
	const { driver, store } = withDriver(pplDriver);
	const sim = () => driver.sim as PplSimulator;
	const orderQueries = () => sim().requests.filter((req) => req.route === PPL_ROUTES.orders).map((req) => req.query);

	test('each window starts before the last one ended (overlap); an order in both windows is emitted once', async () => {
		driver.addOrder('R-1', 'Created');
		driver.addOrder('R-2', 'Created');
		const trigger = session(driver, store(), { options: { overlapSeconds: 120 } });
		await trigger.poll();
		driver.setStatus('R-1', 'PickedUp');
		expect(orderIds((await trigger.poll()).json)).toEqual(['R-1']);
		expect((await trigger.poll()).items).toBeNull();
		const [first, second, third] = orderQueries();
		expect(first.get('DateFrom')).toBeNull();
		for (const [earlier, later] of [
			[first, second],
			[second, third],
		]) {
			expect(Date.parse(later.get('DateFrom')!)).toBe(Date.parse(earlier.get('DateTo')!) - 120_000);
		}
		expect(third.get('Limit')).toBe('1000');
	});

	test('an order that leaves the window while the poll pages cannot push an unread order out of reach', async () => {
		for (let n = 1; n <= 1100; n++) driver.addOrder(id('ORD', n), 'Created');
		const trigger = session(driver, store());
		await trigger.poll();
		driver.setStatus(id('ORD', 1001), 'PickedUp');
		sim().injectFault({
			route: PPL_ROUTES.orders,
			// Before the second page: ORD-0005 changes after DateTo, leaves the window, and the rows behind move up.
			when: (req: SimRequest) => {
				if (req.query.get('Offset') !== '0') driver.setStatus(id('ORD', 5), 'Canceled', Date.now() + 10_000);
				return false;
			},
			fault: { kind: 'delay', ms: 0 },
		});
		expect(orderIds((await trigger.poll()).json)).toEqual([id('ORD', 1001)]);
		expect(orderQueries().slice(-2).map((query) => query.get('Offset'))).toEqual(['0', '900']);
	});

	test('PPL\'s single-object answer is read as one order; 404 means an empty window', async () => {
		const single = sim();
		driver.addOrder('S-1', 'Created');
		single.orderResponseShape = 'object';
		try {
			const trigger = session(driver, store(), { options: { emitExistingOrders: true } });
			expect(orderIds((await trigger.poll()).json)).toEqual(['S-1']);
			single.setOrders([]);
			const empty = await trigger.poll();
			expect(empty.error).toBeUndefined();
			expect(empty.items).toBeNull();
		} finally {
			single.orderResponseShape = 'array';
		}
	});
});
