// The download queue's wire shapes live in the shared protocol, so the edge and the web
// parse exactly what the engine returns.
export {
  addDownloadRequestSchema,
  addDownloadResultSchema,
  downloadFailureCodeSchema,
  downloadFailureSchema,
  downloadJobSchema,
  downloadPreviewSchema,
  downloadStatusSchema,
  duplicateSchema,
  sourceKindSchema,
} from "@comfycarry/shared";
export type {
  AddDownloadRequest,
  AddDownloadResult,
  DownloadFailureCode,
  DownloadFailureInfo,
  DownloadJob,
  DownloadPreview,
  DownloadStatus,
  Duplicate,
  SourceKind,
} from "@comfycarry/shared";
