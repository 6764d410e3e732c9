/**
 * The demo world: credentials and orders the four simulators start with under `npm run simulators`
 * (and later the demo and the end-to-end suite). Secrets are obviously fake.
 */
import { AltcraftSimulator } from './altcraft';
import { PitneyBowesSimulator } from './pitneyBowes';
import { PplSimulator } from './ppl';
import { SenderSimulator } from './sender';

export const DEMO_PORTS = { altcraft: 4101, ppl: 4102, pitneyBowes: 4103, sender: 4104 } as const;

export const DEMO_CREDENTIALS = {
	altcraft: { apiToken: 'demo-altcraft-token-0001' },
	ppl: { clientId: 'demo-ppl-client', clientSecret: 'demo-ppl-secret-0001' },
	pitneyBowes: { apiKey: 'demo-pb-key-0001', apiSecret: 'demo-pb-secret-0001', clientId: 'DEMOSHOP' },
	sender: { apiKey: 'demo-sender-key-0001' },
} as const;

export const DEMO_PPL_BATCH_ID = '3f2c1a7e-5b6d-4c8e-9f01-23456789abcd';

export interface DemoSimulators {
	altcraft: AltcraftSimulator;
	ppl: PplSimulator;
	pitneyBowes: PitneyBowesSimulator;
	sender: SenderSimulator;
}

export function createDemoSimulators(): DemoSimulators {
	const altcraft = new AltcraftSimulator({ token: DEMO_CREDENTIALS.altcraft.apiToken });
	for (const [externalId, status] of [
		['SHOP-1001', 'new'],
		['SHOP-1002', 'paid'],
		['SHOP-1003', 'delivered'],
		['SHOP-1004', 'canceled'],
		['SHOP-1005', 'part_refunded'],
	]) {
		altcraft.addOrder({ external_id: externalId, status, endpoint: 'website' });
	}

	const ppl = new PplSimulator({
		clientId: DEMO_CREDENTIALS.ppl.clientId,
		clientSecret: DEMO_CREDENTIALS.ppl.clientSecret,
	});
	ppl.addBatch(DEMO_PPL_BATCH_ID, [
		{ referenceId: 'PPL-REF-1' },
		{ referenceId: 'PPL-REF-2' },
		{ referenceId: 'PPL-REF-3', errorCode: 'InvalidZip', errorMessage: 'Recipient ZIP code is not valid' },
		// The import moves on one step per read (Accepted → InProcess → Complete/Error), as if PPL were working.
	], { stepEveryPolls: 1 });
	for (const [referenceId, orderState] of [
		['PPL-ORDER-1', 'Created'],
		['PPL-ORDER-2', 'PickedUp'],
		['PPL-ORDER-3', 'NotPickedUp'],
		['PPL-ORDER-4', 'Canceled'],
	] as const) {
		ppl.addOrder({ referenceId, orderState });
	}

	const pitneyBowes = new PitneyBowesSimulator({
		apiKey: DEMO_CREDENTIALS.pitneyBowes.apiKey,
		apiSecret: DEMO_CREDENTIALS.pitneyBowes.apiSecret,
		clientId: DEMO_CREDENTIALS.pitneyBowes.clientId,
	});
	pitneyBowes.seedSampleOrders(DEMO_CREDENTIALS.pitneyBowes.clientId);

	const sender = new SenderSimulator({ apiKey: DEMO_CREDENTIALS.sender.apiKey, authHeaders: ['bearer', 'X-Api-Key'] });
	sender.addOrder({ reference: 'SND-DEMO-1', status: 'pending' });
	sender.addOrder({ reference: 'SND-DEMO-2', status: 'pending' });
	sender.accept('SND-DEMO-2', {});
	sender.addOrder({ reference: 'SND-DEMO-3', status: 'pending' });
	sender.cancel('SND-DEMO-3', { message: 'Parcel locker is full' });

	return { altcraft, ppl, pitneyBowes, sender };
}
