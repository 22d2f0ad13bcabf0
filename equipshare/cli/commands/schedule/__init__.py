"""The schedule's commands: book, move, approve, check in, find slots, queue, take out of use."""
