import { FakeCivitai, FakeHuggingFace, SyntheticFile } from "@comfycarry/fake-model-hosts";

const MIB = 1024 * 1024;

/** Loopback fakes of CivitAI and Hugging Face with a small catalog, for the demo and the browser tests. */
export interface ModelHosts {
  civitai: FakeCivitai;
  hf: FakeHuggingFace;
  /** Reporter variables that send searches, lookups and downloads to the fakes. */
  env: Record<string, string>;
  /** A CivitAI model page link with a two-file version (a LoRA and a VAE). */
  civitaiLink: string;
  loraFileName: string;
  /** Hub link of a file in a manually gated repo that `hfGatedTokens` can read, or null without those tokens. */
  hfGatedLink: string | null;
  /** SHA-256 of the LoRA file, lower-case hex. */
  loraSha256(): Promise<string>;
  close(): Promise<void>;
}

export interface ModelHostsOptions {
  /** Size of the LoRA file in bytes; 96 MiB unless set. */
  loraBytes?: number;
  /** Per-connection cap in bytes per second, so progress is visible; 2 MiB/s unless set, 0 for none. */
  bytesPerSecond?: number;
  /** API keys the CivitAI fake accepts. */
  civitaiTokens?: string[];
  /** Makes the LoRA's version require a logged-in user, so a download without a token meets a 401. */
  loraRequiresLogin?: boolean;
  /**
   * Hugging Face tokens of a user whose access request to the gated repo `acme/gated-vae` was
   * accepted. The repo exists only when this is set; the Hub rejects every other token with a 401.
   */
  hfGatedTokens?: string[];
}

const GATED_REPO = "acme/gated-vae";
const GATED_USER = "gated-reader";

/** Starts the fakes on 127.0.0.1; their files are generated while served, never stored. */
export async function startModelHosts(options: ModelHostsOptions = {}): Promise<ModelHosts> {
  const bytesPerSecond = options.bytesPerSecond ?? 2 * MIB;
  const lora = new SyntheticFile({ size: options.loraBytes ?? 96 * MIB, seed: "demo-inkwash-lora", format: "safetensors" });
  const vae = new SyntheticFile({ size: 8 * MIB, seed: "demo-inkwash-vae", format: "safetensors" });
  const civitai = new FakeCivitai({
    bytesPerSecond,
    ...(options.civitaiTokens === undefined ? {} : { tokens: options.civitaiTokens }),
    models: [
      {
        id: 11,
        name: "Ink Wash Style",
        type: "LORA",
        downloadCount: 18_422,
        tags: ["style", "ink"],
        creator: "brushfox",
        versions: [
          {
            id: 111,
            name: "v2.0",
            baseModel: "SDXL 1.0",
            trainedWords: ["inkwash style"],
            ...(options.loraRequiresLogin === true ? { requireAuth: true } : {}),
            files: [
              { id: 1111, name: "inkwash_xl_v2.safetensors", type: "Model", format: "SafeTensor", primary: true, file: lora },
              { id: 1112, name: "inkwash_vae.safetensors", type: "VAE", format: "SafeTensor", file: vae },
            ],
          },
        ],
      },
    ],
  });
  const gatedRepos =
    options.hfGatedTokens === undefined
      ? []
      : [
          {
            id: GATED_REPO,
            sha: "89abcdef0123456789abcdef0123456789abcdef",
            gated: "manual" as const,
            acceptedUsers: [GATED_USER],
            files: [{ path: "gated_vae.safetensors", file: new SyntheticFile({ size: 2 * MIB, seed: "demo-gated-vae", format: "safetensors" }), lfs: true }],
          },
        ];
  const hf = new FakeHuggingFace({
    bytesPerSecond,
    ...(options.hfGatedTokens === undefined ? {} : { tokens: options.hfGatedTokens.map((token) => ({ token, user: GATED_USER, role: "read" as const })) }),
    repos: [
      ...gatedRepos,
      {
        id: "acme/flux-parts",
        sha: "0123456789abcdef0123456789abcdef01234567",
        files: [
          { path: "README.md", file: new SyntheticFile({ size: 512, seed: "demo-readme", format: "raw" }), lfs: false },
          { path: "transformer/flux-mini.safetensors", file: new SyntheticFile({ size: 16 * MIB, seed: "demo-flux", format: "safetensors" }), lfs: true },
          { path: "vae/ae.safetensors", file: new SyntheticFile({ size: 4 * MIB, seed: "demo-ae", format: "safetensors" }), lfs: true },
        ],
      },
    ],
  });
  await civitai.start();
  await hf.start();

  const civitaiHost = new URL(civitai.origin).host;
  const hfHost = new URL(hf.origin).host;
  return {
    civitai,
    hf,
    env: {
      CIVITAI_BASE_URL: civitai.origin,
      HF_ENDPOINT: hf.origin,
      COMFYCARRY_TEST_LOOPBACK_HOSTS: `${civitaiHost}=civitai,${hfHost}=huggingface`,
    },
    civitaiLink: `${civitai.origin}/models/11?modelVersionId=111`,
    loraFileName: "inkwash_xl_v2.safetensors",
    hfGatedLink: options.hfGatedTokens === undefined ? null : `${hf.origin}/${GATED_REPO}/resolve/main/gated_vae.safetensors`,
    loraSha256: () => lora.sha256(),
    async close() {
      await civitai.close();
      await hf.close();
    },
  };
}
