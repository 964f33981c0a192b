"""vLLM worker extension for `rsa train` with `rollout.weight_sync: full` on vLLM.

The trainer writes each policy version as an HF folder and calls
  POST /collective_rpc {"method": "reload_weights_from_disk", "args": [path]}
then POST /reset_prefix_cache (both dev-mode routes). Start the server with this file on PYTHONPATH:
  VLLM_SERVER_DEV_MODE=1 PYTHONPATH=scripts/vllm vllm serve BASE --worker-extension-cls rsa_vllm_ext.ReloadFromDisk
Each worker (every tensor-parallel rank) streams the safetensors shards into its model; vLLM's load_weights
shards and fuses the tensors as at start-up.
"""
import glob
import os

import torch
from safetensors import safe_open


class ReloadFromDisk:
    def reload_weights_from_disk(self, path):
        files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
        if not files:
            raise ValueError(f"{path}: no safetensors files")

        def weights():
            for f in files:
                with safe_open(f, framework="pt", device="cpu") as st:
                    for name in st.keys():
                        yield name, st.get_tensor(name)

        self.model_runner.model.load_weights(weights=weights())
        torch.cuda.synchronize()
        return path
