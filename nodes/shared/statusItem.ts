import type { IDataObject } from 'n8n-workflow';

import type { MappedStatus } from './mapStatus';
import { isFinalStatus, STATUS_LABELS } from './statusModel';

/** The output item of one order checked (status-model.md §4). */
export interface StatusItem extends IDataObject {
	provider: string;
	orderId: string;
	status: MappedStatus['status'];
	statusLabel: string;
	statusRaw: string | null;
	statusSource: MappedStatus['statusSource'];
	isFinal: boolean;
	checkedAt: string;
	details: IDataObject;
}

export interface StatusItemInput {
	provider: string;
	orderId: string;
	mapped: MappedStatus;
	details: IDataObject;
	/** The provider's response for this order, unchanged; omitted when the user turned it off. */
	raw?: unknown;
	checkedAt?: Date;
	/**
	 * Removes known secrets from `details` and `raw` (a provider may echo the request, token and all); the
	 * client's `redactDeep`. Required, so no item is built without deciding it.
	 */
	redact: <T>(value: T) => T;
}

/** Drops undefined values so `details` holds only what the provider really sent. */
function compact(details: IDataObject): IDataObject {
	const kept: IDataObject = {};
	for (const key of Object.keys(details)) if (details[key] !== undefined) kept[key] = details[key];
	return kept;
}

export function buildStatusItem(input: StatusItemInput): StatusItem {
	const item: StatusItem = {
		provider: input.provider,
		orderId: input.orderId,
		status: input.mapped.status,
		statusLabel: STATUS_LABELS[input.mapped.status],
		statusRaw: input.mapped.statusRaw,
		statusSource: input.mapped.statusSource,
		isFinal: isFinalStatus(input.mapped.status),
		checkedAt: (input.checkedAt ?? new Date()).toISOString(),
		details: input.redact(compact(input.details)),
	};
	if (input.raw !== undefined) item.raw = input.redact(input.raw) as IDataObject;
	return item;
}
