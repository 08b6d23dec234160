"""Pieces shared by both training scripts (`models.training.train_shape`, `models.training.train_appearance`)."""
