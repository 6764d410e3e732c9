import type { IDataObject } from 'n8n-workflow';

import { StatusMemory } from './statusMemory';
import type { NormalisedStatus } from './statusModel';

/**
 * Where *Only Output Changes* keeps the last status of each order. One interface, two places:
 *
 * - `StaticDataStatusStore`: the workflow's static data (`StatusMemory`), as since version 1. n8n saves it for
 *   active workflows; in queue mode every execution starts without it (see the README's queue-mode section).
 * - `DataTableStatusStore` (dataTableMemory.ts): one row per order in an n8n Data Table, in n8n's own database,
 *   shared by every instance.
 *
 * A store keeps, per order, the status, when it was last seen and since when it has had that status, so that a
 * later check of orders stuck in one status can be built on it.
 */

/** One order's status as this execution saw it. */
export interface Observation {
	provider: string;
	orderId: string;
	status: NormalisedStatus;
}

/** What the memory says about one observation. */
export interface Recorded {
	/** The status remembered before this observation (null for an order never seen). */
	previousStatus: NormalisedStatus | null;
	/** Whether this execution reports the observation as a change (the first sighting of an order is one). */
	changed: boolean;
}

export interface StatusStore {
	/**
	 * Records what this execution saw, in the order seen (an order seen twice in one execution is compared with
	 * its own earlier observation), and says for each observation whether it is news.
	 */
	record(observations: Observation[]): Promise<Recorded[]>;
}

/** The workflow's static data (per node), bounded as StatusMemory describes. Unchanged behaviour of version 1. */
export class StaticDataStatusStore implements StatusStore {
	private readonly memory: StatusMemory;

	constructor(staticData: IDataObject) {
		this.memory = new StatusMemory(staticData);
	}

	async record(observations: Observation[]): Promise<Recorded[]> {
		return observations.map(({ provider, orderId, status }) =>
			this.memory.record(StatusMemory.key(provider, orderId), status),
		);
	}
}

/**
 * The results for one order's observations in one execution, against what the memory held before (`stored`):
 * the first is compared with the memory, each later one with the observation before it.
 */
export function compareInOrder(stored: NormalisedStatus | null, statuses: NormalisedStatus[]): Recorded[] {
	let previous = stored;
	return statuses.map((status) => {
		const recorded = { previousStatus: previous, changed: previous !== status };
		previous = status;
		return recorded;
	});
}
