"""The call-to-cash pipeline: leads, sales calls, closing deals into enrollments, the programs
sold, the team's daily numbers and commissions."""
