"""How the networks run on this machine: torch eager (float32 or native bf16), ONNX Runtime or
OpenVINO, chosen per network by measuring them once per machine (`choice`)."""
