Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
    $training = Import-MnistIdx -Path $mnist -Set Train -First 500 -AsDataset
    $test = Import-MnistIdx -Path $mnist -Set Test -First 100 -AsDataset
    $network = Start-NetworkTraining -Dataset $training -HiddenLayers 32 -Epochs 2 -Seed 3
}

Describe 'Export-Network and Import-Network' {
    It 'round-trip a network with identical predictions and history' {
        $path = Join-Path $TestDrive 'net.mnn'

        $file = $network | Export-Network -Path $path -PassThru
        $loaded = Import-Network -Path $path

        $file.FullName | Should -Be $path
        $loaded.Architecture | Should -Be '784-32-10'
        $loaded.History.Loss | Should -Be $network.History.Loss
        $before = Invoke-DigitPrediction -Network $network -Dataset $test
        $after = Invoke-DigitPrediction -Network $loaded -Dataset $test
        for ($i = 0; $i -lt 100; $i++) {
            $after[$i].Probabilities | Should -Be $before[$i].Probabilities
        }
        Get-ChildItem $TestDrive -Filter '*.tmp' | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.mnn'

        Export-Network -Network $network -Path $path -WhatIf

        Test-Path $path | Should -BeFalse
    }

    It 'refuses a damaged file with InvalidNetworkFile and no network' {
        $path = Join-Path $TestDrive 'damaged.mnn'
        Export-Network -Network $network -Path $path
        $bytes = [IO.File]::ReadAllBytes($path)
        [IO.File]::WriteAllBytes($path, $bytes[0..($bytes.Length - 50)])

        $loaded = Import-Network -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue

        $loaded | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidNetworkFile,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -BeLike ('damaged.mnn: the checksum stored in the file does not ' +
            'match its contents, so the file is damaged or truncated (it records *; the contents hash to *). Save ' +
            "the network again or use another copy. (file: $path)")
        $problems[0].Exception.Message | Should -Not -BeLike '*column*'
    }

    It 'refuses a file that is not a network' {
        $path = Join-Path $TestDrive 'notes.txt'
        Set-Content -Path $path -Value 'hello'

        { Import-Network -Path $path -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*not a MnistNet network file*'
    }

    It 'reports a missing file as ObjectNotFound' {
        Import-Network -Path (Join-Path $TestDrive 'none.mnn') -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Export-Network and Import-Network paths' {
    It 'loads a file whose name holds wildcard characters through -LiteralPath and Get-ChildItem' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'brackets')
        $path = Join-Path $folder 'net[1].mnn'
        Export-Network -Network $network -Path $path

        (Import-Network -LiteralPath $path).Architecture | Should -Be '784-32-10'
        (Get-ChildItem -LiteralPath $folder | Import-Network).Architecture | Should -Be '784-32-10'
    }

    It 'loads every file a wildcard matches and reports a pattern that matches nothing' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'many')
        Export-Network -Network $network -Path (Join-Path $folder 'a.mnn')
        Export-Network -Network $network -Path (Join-Path $folder 'b.mnn')

        (Import-Network -Path (Join-Path $folder '*.mnn')).Count | Should -Be 2
        Import-Network -Path (Join-Path $folder 'z*.mnn') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'keeps an existing file with -NoClobber' {
        $path = Join-Path $TestDrive 'kept.mnn'
        Set-Content -Path $path -Value 'precious'

        Export-Network -Network $network -Path $path -NoClobber -ErrorVariable problems -ErrorAction SilentlyContinue

        Get-Content $path | Should -Be 'precious'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
    }

    It 'names the missing folder when it cannot save' {
        $path = Join-Path $TestDrive 'no-such-folder/net.mnn'

        { Export-Network -Network $network -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'SaveFailed,*' -ExpectedMessage '*folder*no-such-folder*does not exist*'
    }
}

Describe 'Export-Network targets' {
    It 'never replaces a folder or a link to one, even without -NoClobber' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'real')
        $link = New-Item -ItemType SymbolicLink -Path (Join-Path $TestDrive 'link') -Target $folder

        Export-Network -Network $network -Path $link.FullName -ErrorVariable problems -ErrorAction SilentlyContinue

        (Get-Item $link.FullName).LinkTarget | Should -Not -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NotAFile,*'
    }

    It 'refuses a named pipe with NotAFile and leaves it a pipe' -Skip:(-not $IsLinux) {
        $pipe = Join-Path $TestDrive 'pipe.mnn'
        mkfifo $pipe

        Export-Network -Network $network -LiteralPath $pipe -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NotAFile,*'
        $problems[0].Exception.Message | Should -BeLike "*is a pipe, not a regular file*"
        # UnixMode prints a pipe like a regular file; the type bits of st_mode say FIFO (0x1000).
        (Get-Item -LiteralPath $pipe).UnixStat.Mode -band 0xF000 | Should -Be 0x1000
    }

    It 'honours backtick escapes in -Path and takes -LiteralPath as typed' {
        Export-Network -Network $network -Path (Join-Path $TestDrive 'net `[2`].mnn')
        Export-Network -Network $network -LiteralPath (Join-Path $TestDrive 'net [3].mnn')

        Test-Path -LiteralPath (Join-Path $TestDrive 'net [2].mnn') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $TestDrive 'net [3].mnn') | Should -BeTrue
        (Import-Network -Path (Join-Path $TestDrive 'net `[2`].mnn')).Architecture | Should -Be '784-32-10'
    }

    It 'passes the file on as a provider item' {
        $item = Export-Network -Network $network -Path (Join-Path $TestDrive 'item.mnn') -PassThru

        $item.PSPath | Should -BeLike '*FileSystem::*item.mnn'
        $item.Length | Should -BeGreaterThan 0
    }

    It 'refuses a path of another provider with NotAFile, naming the provider' {
        { Import-Network -Path Env:PATH -ErrorAction Stop } | Should -Throw -ErrorId 'NotAFile,*' `
            -ExpectedMessage "'Env:PATH' belongs to PowerShell's Environment provider, not to the file system*"
    }

    It 'refuses a network of a shape other than 784 inputs and 10 outputs at import' {
        $path = Join-Path $TestDrive 'small-shape.mnn'
        $other = [MnistNet.Network.NeuralNetwork]::new([int[]] (5, 4, 3), 'ReLU', 1)
        [MnistNet.Storage.NetworkFile]::Save($other, $path)

        Import-Network -LiteralPath $path -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidNetworkFile,*'
        $problems[0].Exception.Message | Should -BeLike '*holds a 5-4-3 network, and MnistNet*784 inputs*10 outputs*'
    }

    It 'refuses a network built for other than 784 pixels and 10 digits in every cmdlet with NotAnMnistNetwork' {
        $other = [MnistNet.Network.NeuralNetwork]::new([int[]] (5, 4, 3), 'ReLU', 1)
        $sample = Import-MnistIdx -Path $mnist -Set Test -First 1

        Export-Network -Network $other -Path (Join-Path $TestDrive 'other.mnn') -ErrorVariable saved `
            -ErrorAction SilentlyContinue
        { $sample | Invoke-DigitPrediction -Network $other -ErrorAction Stop } |
            Should -Throw -ErrorId 'NotAnMnistNetwork,*' -ExpectedMessage ('The 5-4-3 network cannot be used here: ' +
                "MnistNet's cmdlets need networks with 784 inputs (one per pixel) and 10 outputs (one per digit).")
        { Measure-NetworkAccuracy -Network $other -Dataset $test -ErrorAction Stop } |
            Should -Throw -ErrorId 'NotAnMnistNetwork,*'

        $saved[0].FullyQualifiedErrorId | Should -BeLike 'NotAnMnistNetwork,*'
        Join-Path $TestDrive 'other.mnn' | Should -Not -Exist
    }

    It 'reports a link to nothing as FileNotFound and a loop of links as SaveFailed' -Skip:$IsWindows {
        $dangling = Join-Path $TestDrive 'dangling.mnn'
        New-Item -ItemType SymbolicLink -Path $dangling -Target (Join-Path $TestDrive 'nowhere.mnn') | Out-Null
        $first = Join-Path $TestDrive 'loop-a.mnn'
        $second = Join-Path $TestDrive 'loop-b.mnn'
        [IO.File]::CreateSymbolicLink($first, $second) | Out-Null
        [IO.File]::CreateSymbolicLink($second, $first) | Out-Null

        Import-Network -LiteralPath $dangling -ErrorVariable missing -ErrorAction SilentlyContinue
        Export-Network -Network $network -LiteralPath $first -ErrorVariable looped -ErrorAction SilentlyContinue

        $missing[0].FullyQualifiedErrorId | Should -BeLike 'FileNotFound,*'
        $looped[0].FullyQualifiedErrorId | Should -BeLike 'SaveFailed,*'
        $looped[0].Exception.Message | Should -BeLike '*loop-a.mnn is a symbolic link that leads round a loop of links*'
    }

    It 'refuses a folder given to Import-Network with NotAFile' {
        Import-Network -LiteralPath $TestDrive -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NotAFile,*'
    }
}
