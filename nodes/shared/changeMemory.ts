import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { openDataTableDoor } from './dataTableAccess';
import { DataTableStatusStore, MemoryTableError, openMemoryTable } from './dataTableMemory';
import { toNodeError, type NodeItemError } from './nodeErrors';
import type { RoutingSettings } from './statusRouting';
import { StaticDataStatusStore, type StatusStore } from './statusStore';

const PREFIX = 'Only Output Changes';

/** The scope of a node's memory rows: its workflow and its node id (a rename keeps the memory). */
export function memoryScope(context: IExecuteFunctions): string {
	const node = context.getNode();
	return `${context.getWorkflow().id ?? 'workflow'}/${node.id || node.name}`;
}

/** A failure of the memory as the node reports it: what went wrong, with "Only Output Changes" in front. */
export function memoryError(context: IExecuteFunctions, error: unknown, secrets: readonly string[] = []): NodeItemError {
	const node = context.getNode();
	if (error instanceof NodeOperationError && error.message.startsWith(PREFIX)) return error;
	if (error instanceof MemoryTableError) {
		return new NodeOperationError(node, `${PREFIX}: ${error.message}`, { itemIndex: 0, description: error.description });
	}
	const nodeError = toNodeError(node, error, 0, secrets);
	if (!nodeError.message.startsWith(PREFIX)) nodeError.message = `${PREFIX} (Data Table memory): ${nodeError.message}`;
	return nodeError;
}

/**
 * Opens the memory the node's settings name: the workflow's static data, or a Data Table (created on first use).
 * A Data Table that cannot be reached fails with a message that says why; it never falls back to a memory that
 * would report every order as changed.
 */
export async function openStatusStore(
	context: IExecuteFunctions,
	routing: RoutingSettings,
	options: { timeoutMs: number; maxRetries: number },
): Promise<StatusStore> {
	if (routing.memory !== 'dataTable') return new StaticDataStatusStore(context.getWorkflowStaticData('node'));
	let secrets: readonly string[] = [];
	try {
		const door = await openDataTableDoor(context, options);
		if (door.kind === 'none') {
			throw new NodeOperationError(context.getNode(), `${PREFIX}: ${door.message}`, {
				itemIndex: 0,
				description: door.description,
			});
		}
		if (door.kind === 'api') secrets = door.client.secretValues;
		const table = await openMemoryTable(door.access, routing.dataTable);
		const rows = await door.access.rows(table);
		const store = new DataTableStatusStore(rows, { scope: memoryScope(context), write: context.getMode() !== 'manual' });
		return {
			record: async (observations) => {
				try {
					return await store.record(observations);
				} catch (error) {
					throw memoryError(context, error, secrets);
				}
			},
		};
	} catch (error) {
		throw memoryError(context, error, secrets);
	}
}
