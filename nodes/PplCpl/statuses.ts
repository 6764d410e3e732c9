import type { ProviderStatusTable } from '../shared/statusModel';

/**
 * Order batch `importState` (`GET /order/batch/{batchId}`, enum `ConstImportState`; status-model.md §3).
 * `Accepted` means PPL queued the batch item, not that the order exists: that is `Complete`.
 */
export const PPL_IMPORT_STATES: ProviderStatusTable = {
	Accepted: 'pending',
	InProcess: 'pending',
	Complete: 'accepted',
	Error: 'rejected',
};

/** Order `orderState` (`GET /order`, enum `OrderStates`). */
export const PPL_ORDER_STATES: ProviderStatusTable = {
	None: 'pending',
	Created: 'accepted',
	PickedUp: 'shipped',
	NotPickedUp: 'on_hold',
	Canceled: 'cancelled',
};

/** Shipment `shipmentState` (`GET /shipment`, enum `ShipmentStates`), for shipment tracking when it is offered. */
export const PPL_SHIPMENT_STATES: ProviderStatusTable = {
	None: 'pending',
	DataShipment: 'accepted',
	Active: 'accepted',
	PickedUpFromSender: 'shipped',
	OutForDelivery: 'shipped',
	DeliveredToPickupPoint: 'shipped',
	Delivered: 'delivered',
	CodPaidDate: 'delivered',
	Undelivered: 'on_hold',
	NotDelivered: 'on_hold',
	Dormant: 'on_hold',
	BackToSender: 'returned',
	Rejected: 'returned',
	Canceled: 'cancelled',
};
