"""How the networks run on the user's computer: torch eager (float32 or native bf16), ONNX
Runtime or OpenVINO, chosen per network by measuring them once per machine (`choice`)."""
