import type { IExecuteFunctions, INodeExecutionData, INodeParameters, INodeProperties } from 'n8n-workflow';

import { DEFAULT_MEMORY_TABLE } from './dataTableMemory';
import { NORMALISED_STATUSES, STATUS_LABELS, STATUS_OPTIONS } from './statusModel';

/**
 * "Route by Status" and "Only Output Changes": the parameters, the outputs they give the node, and the
 * sorting of items into those outputs. Shared by every provider action node.
 */

export const ROUTING_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Route by Status',
		name: 'routeByStatus',
		type: 'boolean',
		default: false,
		description:
			'Whether to give the node one output per chosen status (plus "Other"), so the workflow can branch without an expression',
	},
	{
		displayName: 'Statuses to Route',
		name: 'routedStatuses',
		type: 'multiOptions',
		options: STATUS_OPTIONS,
		default: ['accepted', 'on_hold', 'shipped', 'delivered'],
		description: 'Each chosen status gets its own output; every other status goes to "Other"',
		displayOptions: { show: { routeByStatus: [true] } },
	},
	{
		displayName: 'Only Output Changes',
		name: 'onlyChanges',
		type: 'boolean',
		default: false,
		description:
			'Whether to output an order only when its status differs from the last check (the first check of an order counts as a change). The memory is saved only for active workflows, not for manual test runs.',
	},
	{
		displayName: 'Memory',
		name: 'memory',
		type: 'options',
		options: [
			{
				name: 'Data Table',
				value: 'dataTable',
				description:
					"One row per order in a Data Table in n8n's database, shared by every n8n instance (queue mode). Needs the Order Status Memory API credential.",
			},
			{
				name: 'Workflow Static Data',
				value: 'staticData',
				description:
					'Kept with the workflow by the n8n process that runs it. In queue mode every execution starts without it: use a Data Table there.',
			},
		],
		default: 'staticData',
		description: 'Where the last status of each order is remembered between executions',
		displayOptions: { show: { onlyChanges: [true] } },
	},
	{
		displayName: 'Data Table',
		name: 'dataTable',
		type: 'string',
		default: DEFAULT_MEMORY_TABLE,
		placeholder: 'e.g. Order status memory',
		description:
			"The Data Table's name (or ID). A table with this name is created with the memory's columns on first use; an existing one is used, shared by every node that names it (each node keeps its own rows).",
		displayOptions: { show: { onlyChanges: [true], memory: ['dataTable'] } },
	},
	{
		displayName:
			'n8n lets only its own nodes reach Data Tables directly: set the "Order Status Memory API" credential (an n8n API key), so the memory goes through n8n\'s API. Test runs from the editor read the memory and change nothing.',
		name: 'dataTableNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { onlyChanges: [true], memory: ['dataTable'] } },
	},
	{
		displayName: 'Unchanged Orders',
		name: 'unchangedOrders',
		type: 'options',
		options: [
			{ name: 'Drop Them', value: 'drop' },
			{ name: 'Send to "Unchanged" Output', value: 'output' },
		],
		default: 'drop',
		displayOptions: { show: { onlyChanges: [true] } },
	},
];

export interface OutputDefinition {
	type: string;
	displayName?: string;
}

/**
 * The node's outputs for the given parameters. n8n evaluates this in the editor (as Switch V3 does), so it is
 * serialised into the `outputs` expression and must not use anything outside its own body.
 */
export const configuredOutputs = (parameters: INodeParameters): OutputDefinition[] => {
	const labels: Record<string, string> = {
		pending: 'Pending',
		accepted: 'Accepted',
		processing: 'Processing',
		on_hold: 'On Hold',
		shipped: 'Shipped',
		delivered: 'Delivered',
		cancelled: 'Cancelled',
		rejected: 'Rejected',
		returned: 'Returned',
		unknown: 'Unknown',
	};
	const outputs: OutputDefinition[] = [];
	if (parameters.routeByStatus === true) {
		const vocabulary = Object.keys(labels);
		const chosen = Array.isArray(parameters.routedStatuses) ? (parameters.routedStatuses as string[]) : [];
		for (const status of vocabulary) {
			if (chosen.includes(status)) outputs.push({ type: 'main', displayName: labels[status] });
		}
		outputs.push({ type: 'main', displayName: 'Other' });
	} else {
		outputs.push({ type: 'main' });
	}
	if (parameters.onlyChanges === true && parameters.unchangedOrders === 'output') {
		outputs.push({ type: 'main', displayName: 'Unchanged' });
	}
	return outputs;
};

/** The `outputs` of a provider action node's description. */
export const STATUS_NODE_OUTPUTS = `={{(${configuredOutputs.toString()})($parameter)}}` as const;

export interface RoutingSettings {
	routeByStatus: boolean;
	routedStatuses: string[];
	onlyChanges: boolean;
	unchangedOrders: 'drop' | 'output';
	/** Where Only Output Changes remembers statuses (static data unless the user chose a Data Table). */
	memory: 'staticData' | 'dataTable';
	dataTable: string;
}

export function readRoutingSettings(context: IExecuteFunctions): RoutingSettings {
	const routedStatuses = context.getNodeParameter('routedStatuses', 0, []) as unknown;
	return {
		routeByStatus: context.getNodeParameter('routeByStatus', 0, false) === true,
		routedStatuses: Array.isArray(routedStatuses) ? (routedStatuses as string[]) : [],
		onlyChanges: context.getNodeParameter('onlyChanges', 0, false) === true,
		unchangedOrders: context.getNodeParameter('unchangedOrders', 0, 'drop') === 'output' ? 'output' : 'drop',
		memory: context.getNodeParameter('memory', 0, 'staticData') === 'dataTable' ? 'dataTable' : 'staticData',
		dataTable: String(context.getNodeParameter('dataTable', 0, DEFAULT_MEMORY_TABLE) ?? ''),
	};
}

/** Where each kind of item goes, read off the same definition the editor shows. */
export class OutputLayout {
	readonly count: number;
	/** "Other" when routing, else the only output: statuses not routed, and error items. */
	readonly otherIndex: number;
	readonly unchangedIndex?: number;
	private readonly byStatus = new Map<string, number>();

	constructor(settings: Omit<RoutingSettings, 'memory' | 'dataTable'>) {
		const names = configuredOutputs(settings as unknown as INodeParameters).map((output) => output.displayName);
		this.count = names.length;
		const unchanged = names.indexOf('Unchanged');
		this.unchangedIndex = unchanged === -1 ? undefined : unchanged;
		this.otherIndex = settings.routeByStatus ? names.indexOf('Other') : 0;
		if (settings.routeByStatus) {
			for (const status of NORMALISED_STATUSES) {
				const index = names.indexOf(STATUS_LABELS[status]);
				if (index !== -1) this.byStatus.set(status, index);
			}
		}
	}

	indexOf(status: string): number {
		return this.byStatus.get(status) ?? this.otherIndex;
	}

	emptyOutputs(): INodeExecutionData[][] {
		return Array.from({ length: this.count }, () => []);
	}
}
