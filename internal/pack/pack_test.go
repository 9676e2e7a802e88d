package pack

import (
	"testing"
	"unsafe"
)

func TestStringsShareOneBlockAndKeepTheirValues(t *testing.T) {
	a, b, empty, c := "005B000000000001", "ada@example.com", "", "+16505550101"
	Strings(&a, &b, &empty, &c)
	if a != "005B000000000001" || b != "ada@example.com" || empty != "" || c != "+16505550101" {
		t.Fatalf("values changed: %q %q %q %q", a, b, empty, c)
	}
	// b and c sit right after a in the same block
	start := uintptr(unsafe.Pointer(unsafe.StringData(a)))
	if uintptr(unsafe.Pointer(unsafe.StringData(b))) != start+uintptr(len(a)) ||
		uintptr(unsafe.Pointer(unsafe.StringData(c))) != start+uintptr(len(a)+len(b)) {
		t.Error("the strings are not packed into one block")
	}
}

func TestStringsAllocatesOnce(t *testing.T) {
	var a, b string
	allocs := testing.AllocsPerRun(100, func() {
		a, b = "first", "second" // constants: no allocation
		Strings(&a, &b)
	})
	if allocs != 1 {
		t.Errorf("allocations = %v, want 1 (the block)", allocs)
	}
}

func TestCommonReturnsOneCopy(t *testing.T) {
	a := Common(string([]byte("United States")))
	b := Common(string([]byte("United States")))
	if a != "United States" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("equal values do not share one copy")
	}
	if Common("") != "" {
		t.Error("empty value changed")
	}
}
