"""Pieces shared by both training scripts (`models.train_shape`, `models.train_appearance`)."""
