"""Insole proposals: the data model, the rule engine and the insole outline (no I/O)."""

from orthofit.proposal.model import Element, FootProposal, Proposal, Reason, override, reset
from orthofit.proposal.rules import RuleSet, propose

__all__ = ["Element", "FootProposal", "Proposal", "Reason", "RuleSet", "override", "propose",
           "reset"]
