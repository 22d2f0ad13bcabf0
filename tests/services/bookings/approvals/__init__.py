"""Requests and decisions: approving, rejecting, pages of requests, the rules of each."""
