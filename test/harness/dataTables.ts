/**
 * n8n's Data Tables, in memory, for the in-process node tests: what `this.helpers.getDataTableAggregateProxy()` and
 * `this.helpers.getDataTableProxy(id)` give a node (n8n-workflow's `IDataTableProjectAggregateService` and
 * `IDataTableProjectService`), wired into n8n-core the way n8n's data-table module wires its proxy provider
 * (`additionalData['data-table'].dataTableProxyProvider`, read by n8n-core's data-table-helper-functions).
 *
 * It follows what n8n's implementation does (packages/cli/src/modules/data-table: data-table-proxy.service,
 * data-table.service, data-table.repository, data-table-rows.repository, 2.40.7 read for this):
 * - column types string, number, boolean, date; a value of another type is refused; dates are kept as Date and
 *   returned as Date; unknown columns are refused ("unknown column name 'x'");
 * - rows carry the system columns id (1, 2, … per table), createdAt and updatedAt; filters may name them;
 * - filters are `{ type: 'and' | 'or', filters: [{ columnName, condition, value }] }` with eq, neq, like, ilike,
 *   gt, gte, lt, lte, isEmpty, isNotEmpty; `eq null` is IS NULL, neq also matches NULL; isEmpty is NULL or '';
 * - update and delete refuse an empty filter and return the rows they touched (the proxy asks for them);
 *   upsert updates the matching rows, or inserts one when none matches;
 * - rows are sorted by `sortBy` and then by id; `take`/`skip` page;
 * - tables are per project; names are unique per project; the list filter matches names case-insensitively as a
 *   substring (n8n uses LIKE %name%), ids and the project exactly; the list is newest-updated first;
 * - n8n's proxy provider refuses every node type but its own Data Table and Evaluation nodes ("This proxy is only
 *   available for Data table nodes"); `refuseOtherNodes` keeps that rule, and is off for tests of a node that
 *   n8n would let in.
 *
 * Every call is atomic, like one SQL statement: a conditional update is applied once. `beforeCall` lets a test hold
 * calls (to make two executions read before either writes). The real service, in PostgreSQL, is exercised by the
 * queue-mode suite (test/queue).
 */
import type {
	AddDataTableColumnOptions,
	CreateDataTableOptions,
	DataTable,
	DataTableColumn,
	DataTableColumnJsType,
	DataTableColumnType,
	DataTableFilter,
	DataTableInsertRowsResult,
	DataTableInsertRowsReturnType,
	DataTableRow,
	DataTableRowReturn,
	DataTableRows,
	DeleteDataTableRowsOptions,
	IDataTableProjectAggregateService,
	IDataTableProjectService,
	INode,
	ListDataTableOptions,
	ListDataTableRowsOptions,
	MoveDataTableColumnOptions,
	UpdateDataTableOptions,
	UpdateDataTableRowOptions,
	UpsertDataTableRowOptions,
	Workflow,
} from 'n8n-workflow';

const N8N_DATA_TABLE_NODES = [
	'n8n-nodes-base.dataTable',
	'n8n-nodes-base.dataTableTool',
	'n8n-nodes-base.evaluationTrigger',
	'n8n-nodes-base.evaluation',
];

const SYSTEM_COLUMNS: Record<string, DataTableColumnType> = { id: 'number', createdAt: 'date', updatedAt: 'date' };

interface StoredTable {
	table: DataTable;
	rows: DataTableRowReturn[];
	nextRowId: number;
}

export class DataTableValidationError extends Error {}

/** What the service was asked, per operation name (`getManyRowsAndCount`, `updateRows`, …). */
export type CallCounts = Record<string, number>;

let tableCounter = 0;

function copyRow(row: DataTableRowReturn): DataTableRowReturn {
	return Object.fromEntries(
		Object.entries(row).map(([key, value]) => [key, value instanceof Date ? new Date(value.getTime()) : value]),
	) as DataTableRowReturn;
}

function validateCell(value: DataTableColumnJsType, column: string, type: DataTableColumnType | undefined): DataTableColumnJsType {
	if (value === null || type === undefined) return value;
	const fail = () => new DataTableValidationError(`value '${String(value)}' does not match column type '${type}'`);
	switch (type) {
		case 'string':
			if (typeof value !== 'string') throw fail();
			return value;
		case 'number':
			if (typeof value !== 'number' || !Number.isFinite(value)) throw fail();
			return value;
		case 'boolean':
			if (typeof value !== 'boolean') throw fail();
			return value;
		case 'date': {
			const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
			if (!date || Number.isNaN(date.getTime())) throw fail();
			return new Date(date.getTime());
		}
	}
	throw new DataTableValidationError(`unknown type of column '${column}'`);
}

function comparable(value: unknown): unknown {
	return value instanceof Date ? value.getTime() : value;
}

function likeToRegExp(pattern: string, flags: string): RegExp {
	const source = pattern
		.split('')
		.map((char) => (char === '%' ? '.*' : char === '_' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
		.join('');
	return new RegExp(`^${source}$`, flags);
}

export class InMemoryDataTables {
	private readonly tables = new Map<string, StoredTable>();
	readonly calls: CallCounts = {};
	/** Awaited before every call: a test can hold calls to shape how two executions interleave. */
	beforeCall?: (operation: string, tableId?: string) => Promise<void> | void;
	/** Keeps n8n's rule: only n8n's own Data Table nodes get the proxy. */
	refuseOtherNodes: boolean;

	constructor(
		options: { refuseOtherNodes?: boolean } = {},
		readonly projectId = 'harness-project',
	) {
		this.refuseOtherNodes = options.refuseOtherNodes ?? false;
	}

	/** The `additionalData['data-table']` n8n's module context provides. */
	get moduleContext() {
		return {
			dataTableProxyProvider: {
				getDataTableAggregateProxy: async (_workflow: Workflow, node: INode, projectId?: string) => {
					this.validateRequest(node);
					return this.aggregate(projectId ?? this.projectId);
				},
				getDataTableProxy: async (_workflow: Workflow, node: INode, dataTableId: string, projectId?: string) => {
					this.validateRequest(node);
					this.stored(dataTableId, projectId ?? this.projectId);
					return this.project(dataTableId, projectId ?? this.projectId);
				},
			},
		};
	}

	/** Every table's rows, for assertions. */
	rowsOf(name: string, projectId = this.projectId): DataTableRowReturn[] {
		const stored = [...this.tables.values()].find((entry) => entry.table.name === name && entry.table.projectId === projectId);
		return stored ? stored.rows.map(copyRow) : [];
	}

	tableNames(projectId = this.projectId): string[] {
		return [...this.tables.values()].filter((entry) => entry.table.projectId === projectId).map((entry) => entry.table.name);
	}

	private validateRequest(node: INode): void {
		if (this.refuseOtherNodes && !N8N_DATA_TABLE_NODES.includes(node.type)) {
			throw new Error('This proxy is only available for Data table nodes');
		}
	}

	private async call(operation: string, tableId?: string): Promise<void> {
		this.calls[operation] = (this.calls[operation] ?? 0) + 1;
		await this.beforeCall?.(operation, tableId);
	}

	private stored(dataTableId: string, projectId: string): StoredTable {
		const stored = this.tables.get(dataTableId);
		if (!stored || stored.table.projectId !== projectId) {
			throw new DataTableValidationError(`Could not find the data table: '${dataTableId}'`);
		}
		return stored;
	}

	aggregate(projectId: string): IDataTableProjectAggregateService {
		return {
			getProjectId: () => projectId,
			createDataTable: async (options: CreateDataTableOptions) => {
				await this.call('createDataTable');
				if ([...this.tables.values()].some((entry) => entry.table.projectId === projectId && entry.table.name === options.name)) {
					throw new DataTableValidationError(`Data table with name '${options.name}' already exists in this project`);
				}
				const id = `harnessTable${String(++tableCounter).padStart(4, '0')}`;
				const now = new Date();
				const table: DataTable = {
					id,
					name: options.name,
					projectId,
					createdAt: now,
					updatedAt: now,
					columns: options.columns.map((column, index) => {
						if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(column.name) || column.name.length > 63) {
							throw new DataTableValidationError(`invalid column name '${column.name}'`);
						}
						return { id: `${id}-c${index}`, name: column.name, type: column.type, index: column.index ?? index, dataTableId: id };
					}),
				};
				this.tables.set(id, { table, rows: [], nextRowId: 1 });
				return { ...table, columns: table.columns.map((column) => ({ ...column })) };
			},
			getManyAndCount: async (options: ListDataTableOptions) => {
				await this.call('getManyAndCount');
				const filter = { ...(options.filter ?? {}) };
				const ids = [filter.id ?? []].flat();
				const names = [filter.name ?? []].flat();
				const matches = [...this.tables.values()]
					.map((entry) => entry.table)
					.filter((table) => table.projectId === projectId)
					.filter((table) => ids.length === 0 || ids.includes(table.id))
					.filter((table) => names.every((name) => table.name.toLowerCase().includes(name.toLowerCase())))
					.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
				const skip = options.skip ?? 0;
				const page = matches.slice(skip, options.take === undefined ? undefined : skip + options.take);
				return { count: matches.length, data: page.map((table) => ({ ...table, columns: table.columns.map((column) => ({ ...column })) })) };
			},
			deleteDataTableAll: async () => {
				await this.call('deleteDataTableAll');
				for (const [id, entry] of this.tables) if (entry.table.projectId === projectId) this.tables.delete(id);
				return true;
			},
		};
	}

	project(dataTableId: string, projectId: string): IDataTableProjectService {
		const columnTypes = (stored: StoredTable, includeSystem: boolean) =>
			new Map<string, DataTableColumnType>([
				...(includeSystem ? Object.entries(SYSTEM_COLUMNS) : []),
				...stored.table.columns.map((column): [string, DataTableColumnType] => [column.name, column.type]),
			]);
		const validateRow = (stored: StoredTable, row: DataTableRow, includeSystem = false): DataTableRow => {
			const types = columnTypes(stored, includeSystem);
			const out: DataTableRow = {};
			for (const [key, value] of Object.entries(row)) {
				if (!types.has(key)) throw new DataTableValidationError(`unknown column name '${key}'`);
				out[key] = validateCell(value, key, types.get(key));
			}
			return out;
		};
		const matcher = (stored: StoredTable, filter: DataTableFilter | undefined) => {
			const conditions = (filter?.filters ?? []).map((condition) => {
				const [value] = Object.values(validateRow(stored, { [condition.columnName]: condition.value as DataTableColumnJsType }, true));
				return { ...condition, value };
			});
			return (row: DataTableRowReturn) => {
				if (conditions.length === 0) return true;
				const results = conditions.map(({ columnName, condition, value }) => {
					const cell = row[columnName] ?? null;
					switch (condition) {
						case 'isEmpty':
							return cell === null || cell === '';
						case 'isNotEmpty':
							return cell !== null && cell !== '';
						case 'eq':
							return value === null ? cell === null : comparable(cell) === comparable(value);
						case 'neq':
							return value === null ? cell !== null : cell === null || comparable(cell) !== comparable(value);
						case 'gt':
							return cell !== null && (comparable(cell) as number) > (comparable(value) as number);
						case 'gte':
							return cell !== null && (comparable(cell) as number) >= (comparable(value) as number);
						case 'lt':
							return cell !== null && (comparable(cell) as number) < (comparable(value) as number);
						case 'lte':
							return cell !== null && (comparable(cell) as number) <= (comparable(value) as number);
						case 'like':
							return typeof cell === 'string' && likeToRegExp(String(value).includes('%') ? String(value) : `%${String(value)}%`, '').test(cell);
						case 'ilike':
							return typeof cell === 'string' && likeToRegExp(String(value).includes('%') ? String(value) : `%${String(value)}%`, 'i').test(cell);
					}
					throw new DataTableValidationError(`Unsupported filter condition: ${String(condition)}`);
				});
				return (filter?.type ?? 'and') === 'or' ? results.some(Boolean) : results.every(Boolean);
			};
		};
		const requireFilter = (filter: DataTableFilter | undefined, what: string) => {
			if (!filter?.filters || filter.filters.length === 0) throw new DataTableValidationError(`Filter must not be empty (${what})`);
		};
		const touch = (stored: StoredTable) => (stored.table.updatedAt = new Date());
		const update = (stored: StoredTable, filter: DataTableFilter, data: DataTableRow): DataTableRowReturn[] => {
			if (!data || Object.keys(data).length === 0) throw new DataTableValidationError('Data columns must not be empty');
			const values = validateRow(stored, data);
			const matches = matcher(stored, filter);
			const changed: DataTableRowReturn[] = [];
			for (const row of stored.rows) {
				if (!matches(row)) continue;
				Object.assign(row, values, { updatedAt: new Date() });
				changed.push(copyRow(row));
			}
			touch(stored);
			return changed;
		};
		const insert = (stored: StoredTable, rows: DataTableRows): DataTableRowReturn[] => {
			const validated = rows.map((row) => validateRow(stored, row));
			const inserted = validated.map((row) => {
				const now = new Date();
				const full: DataTableRowReturn = {
					...Object.fromEntries(stored.table.columns.map((column) => [column.name, null])),
					...row,
					id: stored.nextRowId++,
					createdAt: now,
					updatedAt: now,
				};
				stored.rows.push(full);
				return copyRow(full);
			});
			touch(stored);
			return inserted;
		};
		return {
			updateDataTable: async (options: UpdateDataTableOptions) => {
				await this.call('updateDataTable', dataTableId);
				this.stored(dataTableId, projectId).table.name = options.name;
				return true;
			},
			deleteDataTable: async () => {
				await this.call('deleteDataTable', dataTableId);
				this.stored(dataTableId, projectId);
				return this.tables.delete(dataTableId);
			},
			getColumns: async () => {
				await this.call('getColumns', dataTableId);
				return this.stored(dataTableId, projectId).table.columns.map((column) => ({ ...column }));
			},
			addColumn: async (options: AddDataTableColumnOptions): Promise<DataTableColumn> => {
				await this.call('addColumn', dataTableId);
				const stored = this.stored(dataTableId, projectId);
				if (stored.table.columns.some((column) => column.name === options.name)) {
					throw new DataTableValidationError(`column name '${options.name}' already exists`);
				}
				const column = { id: `${dataTableId}-c${stored.table.columns.length}`, name: options.name, type: options.type, index: stored.table.columns.length, dataTableId };
				stored.table.columns.push(column);
				for (const row of stored.rows) row[options.name] = null;
				return { ...column };
			},
			moveColumn: async (_columnId: string, _options: MoveDataTableColumnOptions) => {
				await this.call('moveColumn', dataTableId);
				return true;
			},
			deleteColumn: async (columnId: string) => {
				await this.call('deleteColumn', dataTableId);
				const stored = this.stored(dataTableId, projectId);
				const column = stored.table.columns.find((candidate) => candidate.id === columnId);
				if (!column) return false;
				stored.table.columns = stored.table.columns.filter((candidate) => candidate !== column);
				for (const row of stored.rows) delete row[column.name];
				return true;
			},
			getManyRowsAndCount: async (dto: Partial<ListDataTableRowsOptions>) => {
				await this.call('getManyRowsAndCount', dataTableId);
				const stored = this.stored(dataTableId, projectId);
				const matches = matcher(stored, dto.filter);
				const [sortColumn, direction] = dto.sortBy ?? ['id', 'ASC'];
				if (!columnTypes(stored, true).has(sortColumn)) throw new DataTableValidationError('Incorrect column format');
				const sign = direction === 'DESC' ? -1 : 1;
				const sorted = stored.rows.filter(matches).sort((a, b) => {
					const left = comparable(a[sortColumn]) as number | string | null;
					const right = comparable(b[sortColumn]) as number | string | null;
					if (left !== right) {
						if (left === null) return sign;
						if (right === null) return -sign;
						return left < right ? -sign : sign;
					}
					return a.id - b.id;
				});
				const skip = dto.skip ?? 0;
				const page = dto.take ? sorted.slice(skip, skip + dto.take) : sorted.slice(skip);
				return { count: sorted.length, data: page.map(copyRow) };
			},
			insertRows: async <T extends DataTableInsertRowsReturnType>(rows: DataTableRows, returnType: T) => {
				await this.call('insertRows', dataTableId);
				const inserted = insert(this.stored(dataTableId, projectId), rows);
				const result =
					returnType === 'all'
						? inserted
						: returnType === 'id'
							? inserted.map((row) => ({ id: row.id }))
							: { success: true, insertedRows: inserted.length };
				return result as DataTableInsertRowsResult<T>;
			},
			updateRows: async (options: UpdateDataTableRowOptions) => {
				await this.call('updateRows', dataTableId);
				requireFilter(options.filter, 'update');
				return update(this.stored(dataTableId, projectId), options.filter, options.data);
			},
			upsertRow: async (options: UpsertDataTableRowOptions) => {
				await this.call('upsertRow', dataTableId);
				requireFilter(options.filter, 'upsert');
				const stored = this.stored(dataTableId, projectId);
				const updated = update(stored, options.filter, options.data);
				return updated.length > 0 ? updated : insert(stored, [options.data]);
			},
			deleteRows: async (options: DeleteDataTableRowsOptions) => {
				await this.call('deleteRows', dataTableId);
				requireFilter(options.filter, 'delete');
				const stored = this.stored(dataTableId, projectId);
				const matches = matcher(stored, options.filter);
				const deleted = stored.rows.filter(matches).map(copyRow);
				stored.rows = stored.rows.filter((row) => !matches(row));
				touch(stored);
				return deleted;
			},
			clearRows: async () => {
				await this.call('clearRows', dataTableId);
				const stored = this.stored(dataTableId, projectId);
				const deletedCount = stored.rows.length;
				stored.rows = [];
				return { deletedCount };
			},
		};
	}
}
