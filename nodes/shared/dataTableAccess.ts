import type {
	DataTableColumnType,
	DataTableFilter,
	DataTableRow,
	IDataObject,
	IDataTableProjectAggregateService,
	IDataTableProjectService,
	IExecuteFunctions,
} from 'n8n-workflow';

import {
	MemoryTableError,
	PAGE_SIZE,
	type MemoryRow,
	type MemoryRowsApi,
	type MemoryTableAccess,
	type MemoryTableInfo,
} from './dataTableMemory';
import { createProviderClient, ProviderError, type ProviderClient, type ProviderProfile } from './providerClient';

/**
 * The two doors to n8n's Data Tables:
 *
 * 1. n8n's node helpers `getDataTableAggregateProxy()` / `getDataTableProxy(id)` (n8n-workflow's
 *    `DataTableProxyFunctions`), which the execution context offers when n8n has the data-table module. n8n's
 *    proxy service serves only n8n's own Data Table and Evaluation nodes and refuses every other node type with
 *    "This proxy is only available for Data table nodes" (packages/cli data-table-proxy.service.ts, n8n 1.123.81,
 *    2.40.7 and later). The memory tries this door first, so it works without an API key wherever n8n lets it.
 * 2. n8n's public API (`/api/v1/data-tables…`, n8n 2.x), with the node's "Order Status Memory API"
 *    credential: an API key, as any other client would use.
 */

export const MEMORY_CREDENTIAL_TYPE = 'orderStatusMemoryApi';

/** How the memory may reach n8n's Data Tables, or why it cannot. */
export type DataTableDoor =
	| { kind: 'helpers'; access: MemoryTableAccess }
	| { kind: 'api'; access: MemoryTableAccess; client: ProviderClient }
	| { kind: 'none'; message: string; description: string };

type DataTableHelpers = {
	getDataTableAggregateProxy?: () => Promise<IDataTableProjectAggregateService>;
	getDataTableProxy?: (dataTableId: string) => Promise<IDataTableProjectService>;
};

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Finds the door: n8n's helpers when n8n lets this node use them, else the API credential, else why neither. */
export async function openDataTableDoor(
	context: IExecuteFunctions,
	options: { timeoutMs: number; maxRetries: number },
): Promise<DataTableDoor> {
	const helpers = context.helpers as unknown as DataTableHelpers;
	let refusal: string | undefined;
	if (typeof helpers.getDataTableAggregateProxy === 'function' && typeof helpers.getDataTableProxy === 'function') {
		try {
			const aggregate = await helpers.getDataTableAggregateProxy();
			return { kind: 'helpers', access: helperAccess(aggregate, helpers.getDataTableProxy.bind(helpers)) };
		} catch (error) {
			refusal = message(error);
		}
	}
	if (context.getNode().credentials?.[MEMORY_CREDENTIAL_TYPE]) {
		const { client, credentials } = await createProviderClient(context, N8N_API_PROFILE, ['apiKey'], options);
		return { kind: 'api', client, access: apiAccess(client, apiBase(credentials.baseUrl)) };
	}
	const remedy =
		'Set the node\'s "Order Status Memory API" credential (an n8n API key; n8n 2.x serves Data Tables in its public API), or choose Memory: Workflow Static Data.';
	if (refusal !== undefined) {
		return {
			kind: 'none',
			message: `n8n does not let this node use Data Tables directly (n8n said: "${refusal}"), and no API credential is set`,
			description: `n8n gives its Data Table helpers only to its own Data Table nodes. ${remedy}`,
		};
	}
	return {
		kind: 'none',
		message: 'This n8n offers nodes no Data Tables, and no API credential is set',
		description: `The execution has no Data Table helpers: an n8n version before Data Tables, or the data-table module turned off (N8N_DISABLED_MODULES). ${remedy}`,
	};
}

// ---------------------------------------------------------------- door 1: n8n's node helpers

/** The rows of a table through n8n's `IDataTableProjectService` (what `getDataTableProxy` gives). */
export function helperRows(service: IDataTableProjectService): MemoryRowsApi {
	return {
		async getRows({ filter, sortBy, take, skip }) {
			const result = await service.getManyRowsAndCount({ filter, sortBy, take, skip });
			return result.data as unknown as MemoryRow[];
		},
		async insertRows(rows) {
			return (await service.insertRows(rows, 'all')) as unknown as MemoryRow[];
		},
		async updateRows(filter, data) {
			return (await service.updateRows({ filter, data })) as unknown as MemoryRow[];
		},
		async deleteRows(filter) {
			await service.deleteRows({ filter });
		},
	};
}

function helperAccess(
	aggregate: IDataTableProjectAggregateService,
	open: (dataTableId: string) => Promise<IDataTableProjectService>,
): MemoryTableAccess {
	const withColumns = async (table: { id: string; name: string }): Promise<MemoryTableInfo> => {
		const columns = await (await open(table.id)).getColumns();
		return { id: table.id, name: table.name, columns: columns.map(({ name, type }) => ({ name, type })) };
	};
	return {
		where: "n8n's Data Tables",
		async findTable(nameOrId) {
			const byId = await aggregate.getManyAndCount({ filter: { id: nameOrId }, take: 1 });
			if (byId.data.length > 0) return await withColumns(byId.data[0]);
			// n8n matches the name filter as a case-insensitive part of the name: keep the exact name only.
			const byName = await aggregate.getManyAndCount({ filter: { name: nameOrId }, take: PAGE_SIZE });
			const exact = byName.data.find((table) => table.name === nameOrId);
			return exact ? await withColumns(exact) : undefined;
		},
		async createTable(name, columns) {
			const table = await aggregate.createDataTable({ name, columns: columns.map((column) => ({ ...column })) });
			return await withColumns(table);
		},
		async rows(table) {
			return helperRows(await open(table.id));
		},
	};
}

// ---------------------------------------------------------------- door 2: n8n's public API

/** `http://host:5678`, `…/`, `…/api/v1` → `http://host:5678/api/v1`. */
export function apiBase(baseUrl: unknown): string {
	const url = String(baseUrl ?? '')
		.trim()
		.replace(/\/+$/, '')
		.replace(/\/api\/v1$/, '');
	if (!/^https?:\/\/[^\s/]+/i.test(url)) {
		throw new MemoryTableError(
			'The "Order Status Memory API" credential has no valid n8n URL',
			'Enter the URL of the n8n main instance, starting with http:// or https://.',
		);
	}
	return `${url}/api/v1`;
}

export const N8N_API_PROFILE: ProviderProfile = {
	name: 'n8n API',
	credentialType: MEMORY_CREDENTIAL_TYPE,
	credentialName: 'Order Status Memory API',
	describeError(response) {
		const said = (response.json as IDataObject | undefined)?.message;
		const text = typeof said === 'string' && said.trim() !== '' ? said.trim().slice(0, 300) : undefined;
		const hints: Record<number, string> = {
			401: 'the API key was refused: check the "Order Status Memory API" credential',
			403: 'the API key may not do this: give it the dataTable and dataTableRow scopes',
			404: "not found: this n8n's API has no Data Tables (n8n 2.x has them, with the data-table module on), or the table was deleted",
		};
		return {
			message: `${hints[response.statusCode] ?? `HTTP ${response.statusCode}`}${text ? ` (${text})` : ''}`,
			providerCode: String(response.statusCode),
		};
	},
};

/**
 * n8n's API pages with an opaque cursor. A page that starts further on is asked for with the cursor n8n itself
 * hands out for offset pagination (base64 of `{"offset","limit"}`, packages/cli public-api pagination.service).
 */
function cursorFor(offset: number, limit: number): string {
	return Buffer.from(JSON.stringify({ offset, limit })).toString('base64');
}

function rowsOf(json: unknown): MemoryRow[] {
	if (Array.isArray(json)) return json as MemoryRow[];
	const data = (json as IDataObject | undefined)?.data;
	return Array.isArray(data) ? (data as MemoryRow[]) : [];
}

function tableOf(json: unknown): MemoryTableInfo {
	const table = json as { id?: unknown; name?: unknown; columns?: unknown };
	const columns = Array.isArray(table.columns) ? (table.columns as Array<{ name: string; type: string }>) : [];
	return { id: String(table.id), name: String(table.name), columns: columns.map(({ name, type }) => ({ name, type })) };
}

function apiRows(client: ProviderClient, tableUrl: string): MemoryRowsApi {
	return {
		async getRows({ filter, sortBy, take, skip }) {
			const qs: IDataObject = { filter: JSON.stringify(filter), limit: Math.min(take, PAGE_SIZE) };
			if (sortBy) qs.sortBy = `${sortBy[0]}:${sortBy[1].toLowerCase()}`;
			if (skip) qs.cursor = cursorFor(skip, Math.min(take, PAGE_SIZE));
			return await client.request({ method: 'GET', url: `${tableUrl}/rows`, qs }, (response) => rowsOf(response.json));
		},
		async insertRows(rows: DataTableRow[]) {
			return await client.request(
				{ method: 'POST', url: `${tableUrl}/rows`, body: { data: rows, returnType: 'all' } as unknown as IDataObject },
				(response) => rowsOf(response.json),
			);
		},
		async updateRows(filter: DataTableFilter, data: DataTableRow) {
			return await client.request(
				{ method: 'PATCH', url: `${tableUrl}/rows/update`, body: { filter, data, returnData: true } as unknown as IDataObject },
				(response) => rowsOf(response.json),
			);
		},
		async deleteRows(filter: DataTableFilter) {
			await client.request({ method: 'DELETE', url: `${tableUrl}/rows/delete`, qs: { filter: JSON.stringify(filter) } });
		},
	};
}

function apiAccess(client: ProviderClient, base: string): MemoryTableAccess {
	const tableUrl = (id: string) => `${base}/data-tables/${encodeURIComponent(id)}`;
	const getTable = async (id: string) =>
		await client.request({ method: 'GET', url: tableUrl(id) }, (response) => tableOf(response.json));
	return {
		where: `the n8n API at ${base}`,
		async findTable(nameOrId) {
			if (/^[a-zA-Z0-9]{1,36}$/.test(nameOrId)) {
				const byId = await getTable(nameOrId).catch((error: unknown) => {
					// Not a table id: look it up as a name (a missing API answers 404 there too).
					if (error instanceof ProviderError && error.details.httpCode === '404') return undefined;
					return Promise.reject(error);
				});
				if (byId) return byId;
			}
			// n8n matches the name filter as a case-insensitive part of the name: keep the exact name only.
			const listed = await client.request(
				{ method: 'GET', url: `${base}/data-tables`, qs: { filter: JSON.stringify({ name: nameOrId }), limit: PAGE_SIZE } },
				(response) => rowsOf(response.json) as unknown as Array<{ id: string; name: string }>,
			);
			const found = listed.filter((table) => table.name === nameOrId);
			if (found.length > 1) {
				throw new MemoryTableError(
					`Several Data Tables named "${nameOrId}" are visible to the API key`,
					'Enter the id of the one to use under "Data Table" (the id is in the table\'s URL in n8n).',
				);
			}
			return found.length === 1 ? await getTable(String(found[0].id)) : undefined;
		},
		async createTable(name: string, columns: ReadonlyArray<{ name: string; type: DataTableColumnType }>) {
			return await client.request(
				{ method: 'POST', url: `${base}/data-tables`, body: { name, columns: columns.map((column) => ({ ...column })) } },
				(response) => tableOf(response.json),
			);
		},
		async rows(table) {
			return apiRows(client, tableUrl(table.id));
		},
	};
}
