//go:build !race

package match

// propertyOrgs is how many random organisations the property test plans.
const propertyOrgs = 3000
