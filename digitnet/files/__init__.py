"""Files: MNIST in IDX form (or a folder of pngs), and model files in safetensors."""
