// Package mar holds the medication administration record and its rules,
// free of HTTP and SQL: facilities and units, residents, users and roles,
// the medication catalogue, orders, scheduled doses, administrations and
// the audit trail.
//
// State changes go through Service methods. Each runs inside one store
// transaction together with the audit event that describes it, so a change
// and its record commit together or not at all.
package mar
