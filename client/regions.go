package client

import (
	"fmt"
	"slices"
	"strings"
)

// regions maps the AWS-style region names to Genesys Cloud hosts: the API is
// at https://api.<host>, login at https://login.<host>.
var regions = map[string]string{
	"us-east-1":      "mypurecloud.com",
	"us-east-2":      "use2.us-gov-pure.cloud",
	"us-west-2":      "usw2.pure.cloud",
	"ca-central-1":   "cac1.pure.cloud",
	"sa-east-1":      "sae1.pure.cloud",
	"mx-central-1":   "mxc1.pure.cloud",
	"eu-west-1":      "mypurecloud.ie",
	"eu-west-2":      "euw2.pure.cloud",
	"eu-central-1":   "mypurecloud.de",
	"eu-central-2":   "euc2.pure.cloud",
	"me-central-1":   "mec1.pure.cloud",
	"ap-south-1":     "aps1.pure.cloud",
	"ap-southeast-1": "apse1.pure.cloud",
	"ap-southeast-2": "mypurecloud.com.au",
	"ap-northeast-1": "mypurecloud.jp",
	"ap-northeast-2": "apne2.pure.cloud",
	"ap-northeast-3": "apne3.pure.cloud",
}

// Regions returns the region names New accepts, sorted. A region may also be
// given as its host (mypurecloud.ie) or with underscores (eu_west_1).
func Regions() []string {
	out := make([]string, 0, len(regions))
	for name := range regions {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// regionHost resolves a region name or host to the host.
func regionHost(region string) (name, host string, err error) {
	r := strings.ToLower(strings.TrimSpace(region))
	if h, ok := regions[strings.ReplaceAll(r, "_", "-")]; ok {
		return strings.ReplaceAll(r, "_", "-"), h, nil
	}
	for n, h := range regions {
		if r == h || r == "api."+h || r == "login."+h {
			return n, h, nil
		}
	}
	return "", "", fmt.Errorf("%w: unknown region %q; use one of %s, or its host (such as mypurecloud.ie)",
		ErrConfig, region, strings.Join(Regions(), ", "))
}
