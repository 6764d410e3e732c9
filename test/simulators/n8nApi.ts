/**
 * n8n's public API for Data Tables (`/api/v1/data-tables…`, n8n 2.x), for the in-process tests of the memory's
 * API door. The tables are the harness's in-memory ones (../harness/dataTables.ts), so both doors of the memory
 * are tested against one set of semantics. What n8n 2.40.7 does there (packages/cli public-api v1 handlers
 * data-tables, its openapi.yml and @n8n/api-types DTOs), as far as the memory uses it:
 *
 * - `X-N8N-API-KEY` authenticates (401 `{ message }` without the right key);
 * - query parameters the spec does not name are refused with 400 (express-openapi-validator), so rows are paged with
 *   `limit` (at most 250) and `cursor` (base64 of `{ offset, limit }`), never `offset`; `filter` is a JSON string;
 *   `sortBy` is `column:asc|desc`;
 * - GET lists answer `{ data, nextCursor }` (no count); POST /data-tables answers 201 with the table;
 *   GET /data-tables/:id includes the columns; rows: POST inserts (`returnType`), PATCH …/rows/update takes
 *   `{ filter, data, returnData }`, DELETE …/rows/delete takes `filter` in the query;
 * - validation errors are 400, an unknown table 404.
 */
import { DataTableValidationError, InMemoryDataTables } from '../harness/dataTables';
import { json, ProviderSimulator, type SimRequest, type SimResponse } from './framework';

export const N8N_API_ROUTES = {
	listTables: 'GET /api/v1/data-tables',
	createTable: 'POST /api/v1/data-tables',
	getTable: 'GET /api/v1/data-tables/:dataTableId',
	getRows: 'GET /api/v1/data-tables/:dataTableId/rows',
	insertRows: 'POST /api/v1/data-tables/:dataTableId/rows',
	updateRows: 'PATCH /api/v1/data-tables/:dataTableId/rows/update',
	deleteRows: 'DELETE /api/v1/data-tables/:dataTableId/rows/delete',
} as const;

const ALLOWED_QUERY: Record<string, string[]> = {
	[N8N_API_ROUTES.listTables]: ['limit', 'cursor', 'filter', 'sortBy'],
	[N8N_API_ROUTES.getRows]: ['limit', 'cursor', 'filter', 'sortBy', 'search'],
	[N8N_API_ROUTES.deleteRows]: ['filter', 'returnData', 'dryRun'],
};

function toJson(value: unknown): unknown {
	return JSON.parse(JSON.stringify(value));
}

export class N8nApiSimulator extends ProviderSimulator {
	constructor(
		readonly tables: InMemoryDataTables,
		readonly apiKey: string,
	) {
		super('n8n-api');
		const routes: Array<[string, (req: SimRequest) => Promise<SimResponse>]> = [
			[N8N_API_ROUTES.listTables, async (req) => await this.listTables(req)],
			[N8N_API_ROUTES.createTable, async (req) => await this.createTable(req)],
			[N8N_API_ROUTES.getTable, async (req) => await this.getTable(req)],
			[N8N_API_ROUTES.getRows, async (req) => await this.getRows(req)],
			[N8N_API_ROUTES.insertRows, async (req) => await this.insertRows(req)],
			[N8N_API_ROUTES.updateRows, async (req) => await this.updateRows(req)],
			[N8N_API_ROUTES.deleteRows, async (req) => await this.deleteRows(req)],
		];
		for (const [route, handler] of routes) {
			const [method, pattern] = route.split(' ');
			this.route(method, pattern, async (req) => await this.guard(route, req, handler));
		}
	}

	private async guard(route: string, req: SimRequest, handler: (req: SimRequest) => Promise<SimResponse>): Promise<SimResponse> {
		if (req.headers['x-n8n-api-key'] !== this.apiKey) return json(401, { message: 'unauthorized' });
		const allowed = ALLOWED_QUERY[route] ?? [];
		for (const name of req.query.keys()) {
			if (!allowed.includes(name)) return json(400, { message: `Unknown query parameter '${name}'` });
		}
		const limit = req.query.get('limit');
		if (limit !== null && (!/^\d+$/.test(limit) || Number(limit) > 250)) return json(400, { message: 'request/query/limit must be <= 250' });
		try {
			return await handler(req);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			if (/Could not find/.test(message)) return json(404, { message });
			if (error instanceof DataTableValidationError || error instanceof SyntaxError) return json(400, { message });
			return json(500, { message });
		}
	}

	private page(req: SimRequest): { offset: number; limit: number } {
		let limit = Number(req.query.get('limit') ?? 100);
		let offset = 0;
		const cursor = req.query.get('cursor');
		if (cursor) {
			const decoded = JSON.parse(Buffer.from(cursor, 'base64').toString()) as { offset: number; limit: number };
			offset = decoded.offset;
			limit = decoded.limit;
		}
		return { offset, limit };
	}

	private nextCursor(offset: number, limit: number, total: number): string | null {
		return offset + limit < total ? Buffer.from(JSON.stringify({ offset: offset + limit, limit })).toString('base64') : null;
	}

	private get aggregate() {
		return this.tables.aggregate(this.tables.projectId);
	}

	private async listTables(req: SimRequest): Promise<SimResponse> {
		const { offset, limit } = this.page(req);
		const filter = req.query.get('filter') ? (JSON.parse(req.query.get('filter')!) as Record<string, string>) : {};
		const result = await this.aggregate.getManyAndCount({ filter, skip: offset, take: limit });
		return json(200, { data: toJson(result.data), nextCursor: this.nextCursor(offset, limit, result.count) });
	}

	private async createTable(req: SimRequest): Promise<SimResponse> {
		const body = req.body as { name: string; columns: Array<{ name: string; type: 'string' }> };
		const table = await this.aggregate.createDataTable({ name: body.name, columns: body.columns });
		return json(201, toJson({ ...table, sizeBytes: 0 }));
	}

	private async getTable(req: SimRequest): Promise<SimResponse> {
		const { data } = await this.aggregate.getManyAndCount({ filter: { id: req.params.dataTableId } });
		if (data.length === 0) return json(404, { message: `Could not find the data table: '${req.params.dataTableId}'` });
		return json(200, toJson({ ...data[0], sizeBytes: 0 }));
	}

	private async getRows(req: SimRequest): Promise<SimResponse> {
		const { offset, limit } = this.page(req);
		const service = this.tables.project(req.params.dataTableId, this.tables.projectId);
		const sortBy = req.query.get('sortBy');
		const [column, direction] = sortBy ? sortBy.split(':') : [];
		const filter = req.query.get('filter');
		const result = await service.getManyRowsAndCount({
			filter: filter ? JSON.parse(filter) : undefined,
			sortBy: column ? [column, direction.toUpperCase() as 'ASC' | 'DESC'] : undefined,
			skip: offset,
			take: limit,
		});
		return json(200, { data: toJson(result.data), nextCursor: this.nextCursor(offset, limit, result.count) });
	}

	private async insertRows(req: SimRequest): Promise<SimResponse> {
		const body = req.body as { data: Array<Record<string, string>>; returnType?: 'all' | 'id' | 'count' };
		const service = this.tables.project(req.params.dataTableId, this.tables.projectId);
		return json(200, toJson(await service.insertRows(body.data, body.returnType ?? 'count')));
	}

	private async updateRows(req: SimRequest): Promise<SimResponse> {
		const body = req.body as { filter: never; data: never; returnData?: boolean };
		const service = this.tables.project(req.params.dataTableId, this.tables.projectId);
		const rows = await service.updateRows({ filter: body.filter, data: body.data });
		return json(200, body.returnData ? toJson(rows) : true);
	}

	private async deleteRows(req: SimRequest): Promise<SimResponse> {
		const filter = req.query.get('filter');
		if (!filter) return json(400, { message: 'Filter is required for delete operations' });
		const service = this.tables.project(req.params.dataTableId, this.tables.projectId);
		const rows = await service.deleteRows({ filter: JSON.parse(filter) });
		return json(200, req.query.get('returnData') === 'true' ? toJson(rows) : true);
	}
}
