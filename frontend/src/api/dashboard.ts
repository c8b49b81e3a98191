/**
 * The researcher's and admin's side of the annotation API: agreement, the review
 * queue, dataset versions and their exports, members, imports.
 *
 * Kept out of `client.ts` so that only the (lazy) dashboard bundles it.
 */
import type { components, operations } from './schema';
import { API_PREFIX, request, type RequestOptions } from './client';

type Schemas = components['schemas'];

export type AgreementReport = Schemas['AgreementReport'];
export type ProjectAgreement = Schemas['ProjectAgreement'];
export type AnnotatorQuality = Schemas['AnnotatorQuality'];
export type FlaggedItem = Schemas['FlaggedItem'];
export type PaginatedFlaggedItemList = Schemas['PaginatedFlaggedItemList'];
export type ReviewDecision = Schemas['ReviewReviewStatusEnum'];
export type DatasetVersion = Schemas['DatasetVersion'];
export type DatasetVersionStatus = Schemas['DatasetVersionStatusEnum'];
export type PaginatedDatasetVersionList = Schemas['PaginatedDatasetVersionList'];
export type DatasetVersionCreate = Schemas['DatasetVersionCreateRequest'];
export type DatasetSplit = Schemas['DatasetSplitRequest'];
export type DatasetVersionPreview = Schemas['DatasetVersionPreview'];
export type PairsMode = Schemas['PairsEnum'];
export type ConsensusMethod = Schemas['MethodEnum'];
export type ExportJob = Schemas['ExportJob'];
export type ExportFormat = Schemas['FormatEnum'];
export type ExportStatus = Schemas['ExportJobStatusEnum'];
export type SplitName = Schemas['SplitEnum'];
export type ExportRequest = Schemas['ExportRequestRequest'];
export type Member = Schemas['Member'];
export type MemberRole = Schemas['RoleEnum'];
export type ImportReport = Schemas['ImportReport'];
export type ImportJob = Schemas['ImportJob'];
export type ImportJobStatus = Schemas['ImportJobStatusEnum'];
export type PaginatedImportJobList = Schemas['PaginatedImportJobList'];

function options(signal: AbortSignal | undefined, rest: RequestOptions = {}): RequestOptions {
  return signal ? { ...rest, signal } : rest;
}

function pageQuery(page: number): RequestOptions['query'] {
  return { page: page > 1 ? page : undefined };
}

const project = (projectId: number) => `/projects/${projectId}`;

export function getAgreement(projectId: number, signal?: AbortSignal): Promise<AgreementReport> {
  return request<AgreementReport>('GET', `${project(projectId)}/agreement/`, options(signal));
}

/** Flagged items still open, oldest first. */
export function listReviews(projectId: number, page = 1, signal?: AbortSignal): Promise<PaginatedFlaggedItemList> {
  const path = `${project(projectId)}/reviews/`;
  return request<PaginatedFlaggedItemList>('GET', path, options(signal, { query: pageQuery(page) }));
}

export function reviewFlag(projectId: number, rankingId: number, decision: ReviewDecision): Promise<FlaggedItem> {
  const path = `${project(projectId)}/reviews/${rankingId}/`;
  return request<FlaggedItem>('POST', path, { body: { review_status: decision } });
}

export function listDatasetVersions(
  projectId: number,
  page = 1,
  signal?: AbortSignal,
): Promise<PaginatedDatasetVersionList> {
  const path = `${project(projectId)}/datasets/`;
  return request<PaginatedDatasetVersionList>('GET', path, options(signal, { query: pageQuery(page) }));
}

/** Answers the new version while it is still `building`; follow it with `getDatasetVersion`. */
export function createDatasetVersion(projectId: number, body: DatasetVersionCreate): Promise<DatasetVersion> {
  return request<DatasetVersion>('POST', `${project(projectId)}/datasets/`, { body });
}

/** The pairs and prompts per split a version made with `body` would hold now; creates nothing. */
export function previewDatasetVersion(
  projectId: number,
  body: DatasetVersionCreate,
  signal?: AbortSignal,
): Promise<DatasetVersionPreview> {
  return request<DatasetVersionPreview>('POST', `${project(projectId)}/datasets/preview/`, options(signal, { body }));
}

export function getDatasetVersion(projectId: number, number: number, signal?: AbortSignal): Promise<DatasetVersion> {
  return request<DatasetVersion>('GET', `${project(projectId)}/datasets/${number}/`, options(signal));
}

export function startExport(projectId: number, number: number, body: ExportRequest): Promise<ExportJob> {
  return request<ExportJob>('POST', `${project(projectId)}/datasets/${number}/exports/`, { body });
}

export function getExport(projectId: number, jobId: number, signal?: AbortSignal): Promise<ExportJob> {
  return request<ExportJob>('GET', `${project(projectId)}/exports/${jobId}/`, options(signal));
}

export function exportDownloadUrl(projectId: number, jobId: number): string {
  return `${API_PREFIX}${project(projectId)}/exports/${jobId}/download/`;
}

export function listMembers(projectId: number, signal?: AbortSignal): Promise<Member[]> {
  return request<Member[]>('GET', `${project(projectId)}/members/`, options(signal));
}

export function addMember(projectId: number, username: string, role: MemberRole): Promise<Member> {
  return request<Member>('POST', `${project(projectId)}/members/`, { body: { username, role } });
}

export function changeMemberRole(projectId: number, memberId: number, role: MemberRole): Promise<Member> {
  return request<Member>('PATCH', `${project(projectId)}/members/${memberId}/`, { body: { role } });
}

export async function removeMember(projectId: number, memberId: number): Promise<void> {
  await request<undefined>('DELETE', `${project(projectId)}/members/${memberId}/`);
}

export interface ImportUpload {
  file: File;
  skipInvalid: boolean;
}

/** A small file is imported in the request (its report); a large one becomes a job (202). */
export type ImportOutcome = { report: ImportReport; job?: never } | { job: ImportJob; report?: never };

export async function importFile(projectId: number, upload: ImportUpload): Promise<ImportOutcome> {
  const form = new FormData();
  form.set('file', upload.file, upload.file.name);
  form.set('skip_invalid', upload.skipInvalid ? 'true' : 'false');
  const body = await request<ImportReport | ImportJob>('POST', `${project(projectId)}/imports/`, { form });
  return 'status' in body ? { job: body } : { report: body };
}

/** The project's import jobs, newest first. */
export function listImportJobs(projectId: number, signal?: AbortSignal): Promise<PaginatedImportJobList> {
  return request<PaginatedImportJobList>('GET', `${project(projectId)}/imports/`, options(signal));
}

export function getImportJob(projectId: number, jobId: number, signal?: AbortSignal): Promise<ImportJob> {
  return request<ImportJob>('GET', `${project(projectId)}/imports/${jobId}/`, options(signal));
}

/** A queued job stops at once, a running one at its next batch (nothing it read is kept). */
export function cancelImportJob(projectId: number, jobId: number): Promise<ImportJob> {
  return request<ImportJob>('POST', `${project(projectId)}/imports/${jobId}/cancel/`);
}

export type MemberCreate = Schemas['MemberCreateRequest'];
export type MemberCreated = Schemas['MemberCreated'];
export type PasswordResetDone = Schemas['PasswordResetDone'];

/** A new account, member of the project; without a password one is generated and answered once. */
export function createMember(projectId: number, body: MemberCreate): Promise<MemberCreated> {
  return request<MemberCreated>('POST', `${project(projectId)}/users/`, { body });
}

/** A new password for a member (generated when `password` is empty); their sessions and token end. */
export function resetMemberPassword(projectId: number, memberId: number, password: string): Promise<PasswordResetDone> {
  const path = `${project(projectId)}/members/${memberId}/password/`;
  return request<PasswordResetDone>('POST', path, { body: { password } });
}

export type Item = Schemas['Item'];
export type PaginatedItemList = Schemas['PaginatedItemList'];
export type ItemDetail = Schemas['ItemDetail'];
export type ItemRanking = Schemas['ItemRanking'];
export type ItemConsensus = Schemas['ItemConsensus'];
export type ItemModel = Schemas['ItemModel'];
export type CompletionDetail = Schemas['CompletionDetail'];

type ItemQuery = NonNullable<operations['v1_projects_items_list']['parameters']['query']>;
export type ItemStatus = Exclude<NonNullable<ItemQuery['status']>, ''>;

export interface ItemFilters {
  q: string;
  model: string;
  status: ItemStatus | '';
}

export function listItems(
  projectId: number,
  filters: ItemFilters,
  page = 1,
  signal?: AbortSignal,
): Promise<PaginatedItemList> {
  const query = {
    q: filters.q === '' ? undefined : filters.q,
    model: filters.model === '' ? undefined : filters.model,
    status: filters.status === '' ? undefined : filters.status,
    page: page > 1 ? page : undefined,
    page_size: ITEMS_PER_PAGE,
  };
  return request<PaginatedItemList>('GET', `${project(projectId)}/items/`, options(signal, { query }));
}

export const ITEMS_PER_PAGE = 25;

export function listItemModels(projectId: number, signal?: AbortSignal): Promise<ItemModel[]> {
  return request<ItemModel[]>('GET', `${project(projectId)}/items/models/`, options(signal));
}

export function getItem(projectId: number, promptId: number, signal?: AbortSignal): Promise<ItemDetail> {
  return request<ItemDetail>('GET', `${project(projectId)}/items/${promptId}/`, options(signal));
}
