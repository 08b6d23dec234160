"""Training: both trainers (`train_shape`, `train_appearance`), the pieces they share, release
and widening."""
