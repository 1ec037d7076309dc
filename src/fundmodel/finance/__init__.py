"""Finance: vectorised time-value-of-money primitives and loan schedules (a leaf: numpy only).

- :mod:`.timevalue`: discount factors, NPV, annuity factors (NIST SPV/UPV/UPV*), PMT/IPMT/PPMT,
  IRR with reason codes, payback period;
- :mod:`.loans`: repayment schedules per unit of principal (annuity, equal principal, bullet,
  grace years, sculpted to a cover ratio).

``from fundmodel import finance`` then ``finance.npv(...)`` keeps working as before.
"""

from . import loans, timevalue
from .loans import (REPAYMENTS, LoanSchedule, loan_schedule, repayment_profile, sculpted_schedule,
                    unit_schedule)
from .timevalue import (IRR_ALL_ZERO, IRR_INVALID_INPUT, IRR_NO_CONVERGENCE, IRR_NO_ROOT_FOUND,
                        IRR_NO_SIGN_CHANGE, IRR_OK, IRR_REASONS, discount_factors,
                        escalating_annuity_factor, ipmt, irr, npv, payback_period, pmt, ppmt,
                        pv_annuity_factor, spv, upv, upv_star)

__all__ = [*timevalue.__all__, *loans.__all__]
